//! Relative expression by the comparative Ct method (Livak & Schmittgen
//! 2001) with the error propagation of R `pcr` (Ahmed & Kim 2018, `pcr_ddct`),
//! and the efficiency-corrected variant ([`super::pfaffl`]).
//!
//! # Steps
//! 1. Quantified samples only (controls such as NTC, no-RT and standards are
//!    left to [`super::qc`] and [`super::efficiency`]). Technical replicates
//!    are averaged per sample and gene ([`super::replicates`]; the
//!    not-detected rule is stated there).
//! 2. Reference Ct of a sample: the **arithmetic mean of the Cts of the
//!    reference genes** (= the log2 of the geometric mean of their
//!    quantities, Vandesompele 2002). Every sample with target data must
//!    have a detected Ct for every reference gene, else the input is rejected
//!    naming the sample and its line.
//! 3. `ΔCt = Ct(target) − Ct(reference)` per sample; a group's ΔCt is the
//!    mean over its samples (biological replicates).
//! 4. `ΔΔCt = ΔCt(group) − ΔCt(control)`; fold change `2^−ΔΔCt`.
//! 5. Error `s` of the group, as `pcr` computes it:
//!    * separate tubes (default; target and reference amplified in different
//!      wells): `s = √(sd(Ct_target)² + sd(Ct_reference)²)` over the group's
//!      samples (sample SD, n − 1);
//!    * same tube (multiplex): `s = sd(ΔCt)` over the group's samples.
//!
//!    The control's own error is **not** propagated into the other groups
//!    (pcr issue #30), exactly as in `pcr`.
//! 6. `fold_lower, fold_upper = 2^−(ΔΔCt + s), 2^−(ΔΔCt − s)`: `pcr`'s band.
//!    **It is ±1 SD of the group, not a confidence interval.**
//! 7. `ci_lower, ci_upper`: a 95 % confidence interval of the fold change
//!    from the biological replicates, `2^−` of the CI of the difference in
//!    mean ΔCt given by the chosen test ([`super::stats`]; Welch by default).
//!    The control row has no CI and no p-value (it is the reference).
//!
//! For the Pfaffl method every Ct is first multiplied by `log2 E` of its
//! gene ([`super::pfaffl`]); all steps are otherwise the same.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::QpcrError;
use super::replicates::{ReplicateOptions, SampleCq, average_records};
use super::stats::{Test, compare_to_control};
use super::tidy::{CqSet, SampleType};

/// `pcr`'s two designs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tubes {
    /// Target and reference in separate wells (default).
    Separate,
    /// Target and reference in the same well (multiplex).
    Same,
}

/// Quantification method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// ΔΔCt with 100 % efficiency (E = 2) for every gene.
    Livak,
    /// Efficiency-corrected ratio (Pfaffl); needs an efficiency per gene.
    Pfaffl,
}

/// Options of [`relative_expression`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DdctOptions {
    /// Reference (housekeeping) genes; at least one.
    pub reference: Vec<String>,
    /// Control (calibrator) group, e.g. `DMSO`.
    pub control: String,
    /// Livak or Pfaffl.
    pub method: Method,
    /// Separate or same tube.
    pub tubes: Tubes,
    /// Efficiencies per gene (fold per cycle) for Pfaffl.
    pub efficiencies: BTreeMap<String, f64>,
    /// Technical-replicate options.
    pub replicates: ReplicateOptions,
    /// Test on ΔCt.
    pub test: Test,
}

impl DdctOptions {
    /// Livak, separate tubes, Welch, default replicate handling.
    pub fn new(reference: &[&str], control: &str) -> DdctOptions {
        DdctOptions {
            reference: reference.iter().map(|s| s.to_string()).collect(),
            control: control.to_string(),
            method: Method::Livak,
            tubes: Tubes::Separate,
            efficiencies: BTreeMap::new(),
            replicates: ReplicateOptions::default(),
            test: Test::Welch,
        }
    }
}

/// ΔCt of one sample for one target gene.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleRow {
    /// Sample.
    pub sample: String,
    /// Group.
    pub group: String,
    /// Target gene.
    pub gene: String,
    /// Mean Ct of the target (weighted by `log2 E` for Pfaffl); `None` = not detected.
    pub target_ct: Option<f64>,
    /// Reference Ct (mean over the reference genes, weighted for Pfaffl).
    pub reference_ct: f64,
    /// `target_ct − reference_ct`.
    pub delta_ct: Option<f64>,
    /// Technical replicates of the target.
    pub n_wells: usize,
    /// Flags (`not_detected`, `replicate_spread`, `reference_replicate_spread`).
    pub flags: Vec<String>,
    /// Line of the sample's first target well.
    pub line: usize,
}

/// Result of one gene × group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRow {
    /// Target gene.
    pub gene: String,
    /// Group.
    pub group: String,
    /// True for the control group.
    pub is_control: bool,
    /// Samples with a ΔCt.
    pub n: usize,
    /// Samples left out because the target was not detected.
    pub n_not_detected: usize,
    /// Mean ΔCt.
    pub delta_ct: Option<f64>,
    /// SD of ΔCt over the samples.
    pub delta_ct_sd: Option<f64>,
    /// ΔΔCt against the control.
    pub delta_delta_ct: Option<f64>,
    /// `pcr`'s error `s` (see the module docs).
    pub error: Option<f64>,
    /// `2^−ΔΔCt`.
    pub fold_change: Option<f64>,
    /// `2^−(ΔΔCt + s)` (±1 SD band, not a CI).
    pub fold_lower: Option<f64>,
    /// `2^−(ΔΔCt − s)`.
    pub fold_upper: Option<f64>,
    /// Lower 95 % CI of the fold change (biological replicates).
    pub ci_lower: Option<f64>,
    /// Upper 95 % CI of the fold change.
    pub ci_upper: Option<f64>,
    /// p-value of the test against the control.
    pub p_value: Option<f64>,
    /// Adjusted p-value (Holm over the gene's comparisons; Dunnett's own).
    pub p_adjusted: Option<f64>,
    /// Flags: `single_sample`, `not_detected`, `replicate_spread`,
    /// `control_not_detected`, `no_test`.
    pub flags: Vec<String>,
}

/// Result of [`relative_expression`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DdctResult {
    /// One row per target gene × group (control first).
    pub rows: Vec<GroupRow>,
    /// Per-sample ΔCt.
    pub samples: Vec<SampleRow>,
    /// One-way ANOVA p-value per gene (Dunnett only).
    pub anova_p: BTreeMap<String, f64>,
    /// The options used.
    pub options: DdctOptions,
}

fn sd(v: &[f64]) -> Option<f64> {
    preclin_stats::desc::sd(v).filter(|x| x.is_finite())
}

/// Relative expression of every target gene in every group against the
/// control (see the module docs).
pub fn relative_expression(set: &CqSet, opts: &DdctOptions) -> Result<DdctResult, QpcrError> {
    let file = &set.source;
    if opts.reference.is_empty() {
        return Err(QpcrError::Invalid(
            "at least one reference gene is needed".into(),
        ));
    }
    let unknown = set
        .records
        .iter()
        .filter(|r| r.sample_type == SampleType::Unknown);
    let cqs: Vec<SampleCq> = average_records(unknown, &opts.replicates);
    // Genes and groups present.
    let mut genes: Vec<String> = Vec::new();
    for c in &cqs {
        if !genes.contains(&c.gene) {
            genes.push(c.gene.clone());
        }
    }
    for r in &opts.reference {
        if !genes.contains(r) {
            return Err(QpcrError::ReferenceMissing {
                file: file.clone(),
                gene: r.clone(),
                available: genes.clone(),
            });
        }
    }
    // Group of each sample, consistent over its records.
    let mut group_of: HashMap<&str, (&str, usize)> = HashMap::new();
    let mut sample_order: Vec<&str> = Vec::new();
    for r in set
        .records
        .iter()
        .filter(|r| r.sample_type == SampleType::Unknown)
    {
        let Some(g) = r.group.as_deref() else {
            return Err(QpcrError::NoGroup {
                file: file.clone(),
                line: r.line,
                sample: r.sample.clone(),
            });
        };
        match group_of.get(r.sample.as_str()) {
            Some((g0, l0)) if *g0 != g => {
                return Err(QpcrError::SampleInTwoGroups {
                    file: file.clone(),
                    sample: r.sample.clone(),
                    first: g0.to_string(),
                    first_line: *l0,
                    second: g.to_string(),
                    second_line: r.line,
                });
            }
            Some(_) => {}
            None => {
                group_of.insert(&r.sample, (g, r.line));
                sample_order.push(&r.sample);
            }
        }
    }
    let mut groups: Vec<String> = Vec::new();
    for s in &sample_order {
        let g = group_of[s].0.to_string();
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    if !groups.contains(&opts.control) {
        return Err(QpcrError::ControlMissing {
            file: file.clone(),
            control: opts.control.clone(),
            available: groups,
        });
    }
    let targets: Vec<String> = genes
        .iter()
        .filter(|g| !opts.reference.contains(g))
        .cloned()
        .collect();
    if targets.is_empty() {
        return Err(QpcrError::NoTargets {
            file: file.clone(),
            reference: opts.reference.clone(),
        });
    }
    // Efficiency weights.
    let weight = |gene: &str| -> Result<f64, QpcrError> {
        match opts.method {
            Method::Livak => Ok(1.0),
            Method::Pfaffl => opts
                .efficiencies
                .get(gene)
                .copied()
                .filter(|e| super::pfaffl::plausible(*e))
                .map(super::pfaffl::weight)
                .ok_or_else(|| QpcrError::EfficiencyMissing {
                    gene: gene.to_string(),
                }),
        }
    };
    let by_key: HashMap<(&str, &str), &SampleCq> = cqs
        .iter()
        .map(|c| ((c.sample.as_str(), c.gene.as_str()), c))
        .collect();
    // Reference Ct per sample that has any target record.
    let mut ref_ct: HashMap<&str, (f64, bool)> = HashMap::new();
    let ref_weights: Vec<f64> = opts
        .reference
        .iter()
        .map(|r| weight(r))
        .collect::<Result<_, _>>()?;
    for s in &sample_order {
        let has_target = targets
            .iter()
            .any(|t| by_key.contains_key(&(*s, t.as_str())));
        if !has_target {
            continue;
        }
        let mut sum = 0.0;
        let mut spread = false;
        for (r, w) in opts.reference.iter().zip(&ref_weights) {
            let (group, line) = group_of[s];
            let c = by_key.get(&(*s, r.as_str())).ok_or_else(|| {
                QpcrError::ReferenceAbsentForSample {
                    file: file.clone(),
                    line,
                    sample: s.to_string(),
                    group: group.to_string(),
                    gene: r.clone(),
                    what: "measured",
                }
            })?;
            let v = c.cq.ok_or_else(|| QpcrError::ReferenceAbsentForSample {
                file: file.clone(),
                line: c.line,
                sample: s.to_string(),
                group: group.to_string(),
                gene: r.clone(),
                what: "detected",
            })?;
            sum += w * v;
            spread |= c.spread_flag;
        }
        ref_ct.insert(s, (sum / opts.reference.len() as f64, spread));
    }

    let mut rows = Vec::new();
    let mut samples = Vec::new();
    let mut anova_p = BTreeMap::new();
    // Control first, then the others in order of appearance.
    let mut group_order = vec![opts.control.clone()];
    group_order.extend(groups.iter().filter(|g| **g != opts.control).cloned());
    for gene in &targets {
        let w = weight(gene)?;
        // Per group: (target ct, reference ct, ΔCt) of samples with ΔCt.
        // (target Cts, reference Cts, ΔCts, not detected, spread-flagged)
        type Acc = (Vec<f64>, Vec<f64>, Vec<f64>, usize, usize);
        let mut per_group: Vec<Acc> = Vec::new();
        for g in &group_order {
            let (mut tv, mut rv, mut dv, mut nd, mut spread) = (vec![], vec![], vec![], 0, 0);
            for s in sample_order.iter().filter(|s| group_of[*s].0 == g) {
                let Some(c) = by_key.get(&(*s, gene.as_str())) else {
                    continue;
                };
                let (rc, rspread) = ref_ct[s];
                let t = c.cq.map(|v| w * v);
                let mut flags = Vec::new();
                if t.is_none() {
                    flags.push("not_detected".to_string());
                    nd += 1;
                }
                if c.spread_flag {
                    flags.push("replicate_spread".to_string());
                }
                if rspread {
                    flags.push("reference_replicate_spread".to_string());
                }
                if c.spread_flag || rspread {
                    spread += 1;
                }
                if let Some(t) = t {
                    tv.push(t);
                    rv.push(rc);
                    dv.push(t - rc);
                }
                samples.push(SampleRow {
                    sample: s.to_string(),
                    group: g.clone(),
                    gene: gene.clone(),
                    target_ct: t,
                    reference_ct: rc,
                    delta_ct: t.map(|t| t - rc),
                    n_wells: c.n_wells,
                    flags,
                    line: c.line,
                });
            }
            per_group.push((tv, rv, dv, nd, spread));
        }
        let control_mean = preclin_stats::desc::mean(&per_group[0].2);
        let others: Vec<&[f64]> = per_group[1..].iter().map(|p| p.2.as_slice()).collect();
        let (cmp, ap) = if control_mean.is_some() {
            compare_to_control(&per_group[0].2, &others, opts.test)
        } else {
            (vec![Default::default(); others.len()], None)
        };
        if let Some(p) = ap {
            anova_p.insert(gene.clone(), p);
        }
        for (k, g) in group_order.iter().enumerate() {
            let (tv, rv, dv, nd, spread) = &per_group[k];
            if dv.is_empty() && *nd == 0 {
                continue; // gene not measured in this group
            }
            let mean = preclin_stats::desc::mean(dv);
            let ddct = match (mean, control_mean) {
                (Some(m), Some(c)) => Some(m - c),
                _ => None,
            };
            let error = match opts.tubes {
                Tubes::Separate => match (sd(tv), sd(rv)) {
                    (Some(a), Some(b)) => Some((a * a + b * b).sqrt()),
                    _ => None,
                },
                Tubes::Same => sd(dv),
            };
            let mut flags = Vec::new();
            if dv.len() == 1 {
                flags.push("single_sample".to_string());
            }
            if *nd > 0 {
                flags.push("not_detected".to_string());
            }
            if *spread > 0 {
                flags.push("replicate_spread".to_string());
            }
            if control_mean.is_none() {
                flags.push("control_not_detected".to_string());
            }
            let fold = |x: f64| Some(x.exp2()).filter(|v| v.is_finite() && *v > 0.0);
            let c = if k == 0 { None } else { Some(cmp[k - 1]) };
            if k > 0 && c.is_some_and(|c| c.p_value.is_none()) && mean.is_some() {
                flags.push("no_test".to_string());
            }
            rows.push(GroupRow {
                gene: gene.clone(),
                group: g.clone(),
                is_control: k == 0,
                n: dv.len(),
                n_not_detected: *nd,
                delta_ct: mean,
                delta_ct_sd: sd(dv),
                delta_delta_ct: ddct,
                error,
                fold_change: ddct.and_then(|d| fold(-d)),
                fold_lower: ddct.zip(error).and_then(|(d, s)| fold(-(d + s))),
                fold_upper: ddct.zip(error).and_then(|(d, s)| fold(-(d - s))),
                ci_lower: c.and_then(|c| c.ci_upper).and_then(|u| fold(-u)),
                ci_upper: c.and_then(|c| c.ci_lower).and_then(|l| fold(-l)),
                p_value: c.and_then(|c| c.p_value),
                p_adjusted: c.and_then(|c| c.p_adjusted),
                flags,
            });
        }
    }
    Ok(DdctResult {
        rows,
        samples,
        anova_p,
        options: opts.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qpcr::replicates::Undetected;
    use crate::qpcr::tidy::from_table;
    use crate::table::Table;

    fn set(csv: &str) -> CqSet {
        from_table(&Table::parse_text(csv, "t.csv").unwrap()).unwrap()
    }

    #[test]
    fn not_detected_single_sample_and_substitution() {
        let s = set("sample,group,gene,ct\n\
            c1,C,ACTB,18\nc1,C,G,25\nc2,C,ACTB,18.2\nc2,C,G,25.4\n\
            t1,T,ACTB,18.1\nt1,T,G,Undetermined\nt2,T,ACTB,18\nt2,T,G,27\n\
            u1,U,ACTB,18\nu1,U,G,N/A\n");
        let r = relative_expression(&s, &DdctOptions::new(&["ACTB"], "C")).unwrap();
        let t = r.rows.iter().find(|x| x.group == "T").unwrap();
        assert_eq!((t.n, t.n_not_detected), (1, 1));
        assert!(t.flags.contains(&"single_sample".to_string()));
        assert!(t.flags.contains(&"not_detected".to_string()));
        assert!(t.error.is_none() && t.fold_lower.is_none() && t.p_value.is_none());
        assert!((t.delta_delta_ct.unwrap() - (9.0 - 7.1)).abs() < 1e-12);
        // A group whose every sample is not detected has a row with no values.
        let u = r.rows.iter().find(|x| x.group == "U").unwrap();
        assert_eq!((u.n, u.n_not_detected), (0, 1));
        assert!(u.fold_change.is_none());
        // Substituting 40 cycles gives a (lower) bound for the fold change.
        let mut o = DdctOptions::new(&["ACTB"], "C");
        o.replicates.undetected = Undetected::Substitute(40.0);
        let r = relative_expression(&s, &o).unwrap();
        let u = r.rows.iter().find(|x| x.group == "U").unwrap();
        assert!((u.delta_delta_ct.unwrap() - (22.0 - 7.1)).abs() < 1e-12);
    }

    #[test]
    fn control_not_detected() {
        let s = set("sample,group,gene,ct\nc1,C,ACTB,18\nc1,C,G,\nt1,T,ACTB,18\nt1,T,G,25\n");
        let r = relative_expression(&s, &DdctOptions::new(&["ACTB"], "C")).unwrap();
        for row in &r.rows {
            assert!(row.delta_delta_ct.is_none());
            assert!(row.flags.contains(&"control_not_detected".to_string()));
        }
    }

    #[test]
    fn controls_and_standards_are_not_quantified() {
        let s = set(
            "sample,group,gene,ct,sample_type\nc1,C,ACTB,18,\nc1,C,G,25,\nntc,,G,33,ntc\nstd1,,G,20,std\n",
        );
        let r = relative_expression(&s, &DdctOptions::new(&["ACTB"], "C")).unwrap();
        assert_eq!(r.rows.len(), 1);
        assert_eq!(r.samples.len(), 1);
    }
}
