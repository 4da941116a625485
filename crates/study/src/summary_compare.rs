//! Measured vs published for the study report: potencies through
//! [`crate::reference::compare_potency`] (when the reference table has nothing for the compound
//! in that cell line, the rows of its class — the manifest's `class`, matched by
//! [`ReferenceRow::is_class`] — are shown beside it as context, never judged), in vivo outcomes (tumour-volume reduction, fold
//! reduction, TGI, % increase in median survival) by the same interval rule.

use preclin_curve::units::ConcUnit;
use preclin_report::study::{Agreement, Comparison, KeyNumber};
use serde_json::Value;

use crate::manifest::{ExperimentKind, ExperimentOptions, Manifest};
use crate::reference::{
    MeasuredPotency, Qualifier, ReferenceRow, ReferenceTable, Table, Verdict, compare_potency,
};
use crate::store::ResultRecord;

/// Metrics compared as cellular potency.
const POTENCY_METRICS: [&str; 4] = ["GI50", "IC50", "EC50", "CC50"];

/// Names a compound goes by (manifest name and aliases).
fn compound_names(m: &Manifest, compound: &str) -> Vec<String> {
    match m.compound(compound) {
        Some(c) => std::iter::once(c.name.clone())
            .chain(c.aliases.iter().cloned())
            .collect(),
        None => vec![compound.to_string()],
    }
}

/// Names a cell line / model goes by; an in vivo model named after its cell line
/// (`MV4;11 xenograft`) also goes by the line (`MV4;11`), so that published xenograft rows of
/// that line match.
fn model_names(m: &Manifest, model: &str, in_vivo: bool) -> Vec<String> {
    let mut names: Vec<String> = match m.cell_line(model) {
        Some(c) => std::iter::once(c.name.clone())
            .chain(c.aliases.iter().cloned())
            .collect(),
        None => vec![model.to_string()],
    };
    if in_vivo {
        let firsts: Vec<String> = names
            .iter()
            .filter_map(|n| n.split_whitespace().next())
            .filter(|w| w.len() < model.len())
            .map(String::from)
            .collect();
        names.extend(firsts);
    }
    names
}

fn verdict_agreement(v: Verdict) -> Agreement {
    match v {
        Verdict::Agrees => Agreement::Agrees,
        Verdict::NotComparable => Agreement::NotComparable,
        _ => Agreement::Disagrees,
    }
}

/// Potency comparisons of one result row (its EC50 / IC50 / GI50 / CC50 values).
pub fn potency(
    m: &Manifest,
    table: &ReferenceTable,
    experiment: &str,
    r: &ResultRecord,
) -> Vec<Comparison> {
    let (Some(compound), Some(model)) = (&r.compound, &r.cell_line) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for v in &r.values {
        if !POTENCY_METRICS.contains(&v.metric.as_str()) {
            continue;
        }
        let (Some(value), Some(unit)) = (v.value, v.unit.as_deref()) else {
            continue;
        };
        let Ok(unit) = unit.parse::<ConcUnit>() else {
            continue;
        };
        let measured = MeasuredPotency {
            compound_names: compound_names(m, compound),
            cell_line_names: model_names(m, model, false),
            metric: v.metric.clone(),
            value,
            ci_lower: v.ci_lower,
            ci_upper: v.ci_upper,
            unit,
            molecular_weight: m.compound(compound).and_then(|c| c.molecular_weight),
            assay_hours: m.experiment(experiment).and_then(|e| match &e.options {
                ExperimentOptions::Viability(o) => o.assay_hours,
                _ => None,
            }),
        };
        let mut found = compare_potency(table, &measured);
        let mut class_note = None;
        if found.is_empty() {
            // no published value for the compound itself: the same class in the same model,
            // shown beside it as context and never judged
            if let Some(class) = m.compound(compound).and_then(|c| c.class.clone()) {
                let rows: Vec<ReferenceRow> = table
                    .rows
                    .iter()
                    .filter(|r| {
                        r.is_class(&class)
                            && !measured.compound_names.iter().any(|n| r.is_compound(n))
                    })
                    .cloned()
                    .collect();
                let mut names: Vec<String> = rows.iter().flat_map(|r| r.names.clone()).collect();
                names.sort();
                names.dedup();
                let class_table = ReferenceTable { rows };
                let by_class = MeasuredPotency {
                    compound_names: names,
                    ..measured.clone()
                };
                found = compare_potency(&class_table, &by_class);
                class_note = Some(class);
            }
        }
        for mut c in found {
            let mut agreement = verdict_agreement(c.verdict);
            let mut verdict = c.verdict.to_string();
            if let Some(class) = &class_note {
                c.notes.insert(
                    0,
                    format!(
                        "class reference: published for {} ({class}), not judged",
                        c.reference.compound
                    ),
                );
                agreement = Agreement::NotComparable;
                verdict = format!("{verdict} (class reference)");
            }
            out.push(Comparison {
                compound: compound.clone(),
                model: model.clone(),
                measured: KeyNumber {
                    experiment: experiment.to_string(),
                    metric: v.metric.clone(),
                    label: r.label.clone().unwrap_or_default(),
                    value: v.value,
                    ci_lower: v.ci_lower,
                    ci_upper: v.ci_upper,
                    unit: v.unit.clone().unwrap_or_default(),
                    flags: r.flags.clone(),
                },
                published_metric: c.reference.metric.clone(),
                published: c.reference.value_display(),
                published_model: c.reference.model.clone().unwrap_or_default(),
                source: c.reference.source.clone(),
                agreement,
                verdict,
                notes: c.notes,
            });
        }
    }
    out
}

/// A measured in vivo outcome: (metric shown, value, CI lower, CI upper, unit).
type Outcome = (String, Option<f64>, Option<f64>, Option<f64>, String);

/// The in vivo outcome a published metric describes, with the measured value and CI of a result
/// row for it: (metric shown, value, lower, upper, unit).
fn measured_outcome(
    kind: ExperimentKind,
    published_metric: &str,
    r: &ResultRecord,
) -> Option<Outcome> {
    let pm = published_metric.to_lowercase();
    let data = |k: &str| -> Option<f64> {
        match r.data.get(k)? {
            Value::String(s) => s.trim().parse::<f64>().ok(),
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
        .filter(|x| x.is_finite())
    };
    let value = |metric: &str| r.values.iter().find(|v| v.metric == metric);
    match kind {
        ExperimentKind::Xenograft => {
            if !(pm.contains("tumour") || pm.contains("tumor")) {
                return None;
            }
            if pm.contains("fold") {
                Some((
                    "fold reduction".into(),
                    data("fold_reduction"),
                    None,
                    None,
                    "fold".into(),
                ))
            } else if pm.contains("growth inhibition") || pm.contains("tgi") {
                let v = value("TGI")?;
                Some(("TGI".into(), v.value, v.ci_lower, v.ci_upper, "%".into()))
            } else if pm.contains("reduction") || pm.contains("volume") {
                let red = data("reduction_percent")
                    .or_else(|| value("T/C").and_then(|v| v.value).map(|tc| 100.0 - tc));
                Some(("reduction".into(), red, None, None, "%".into()))
            } else {
                None
            }
        }
        ExperimentKind::Survival => {
            if !(pm.contains("survival") && (pm.contains("increase") || pm.contains("median"))) {
                return None;
            }
            let v = value("percent_increase_median")?;
            Some((
                "increase in median survival".into(),
                v.value,
                v.ci_lower,
                v.ci_upper,
                "%".into(),
            ))
        }
        _ => None,
    }
}

/// In vivo comparisons of one xenograft / survival result row with the seed and in vivo
/// reference rows of the same compound.
pub fn in_vivo(
    m: &Manifest,
    table: &ReferenceTable,
    experiment: &str,
    kind: ExperimentKind,
    r: &ResultRecord,
) -> Vec<Comparison> {
    let (Some(compound), Some(model)) = (&r.compound, &r.cell_line) else {
        return Vec::new();
    };
    let names = compound_names(m, compound);
    let models = model_names(m, model, true);
    let mut out = Vec::new();
    for row in &table.rows {
        if !matches!(row.table, Table::Seed | Table::InvivoClinical)
            || !names.iter().any(|n| row.is_compound(n))
        {
            continue;
        }
        let Some((metric, value, lo, hi, unit)) = measured_outcome(kind, &row.metric, r) else {
            continue;
        };
        let same_model = models.iter().any(|n| row.is_model(n));
        if !same_model && row.qualifier == Qualifier::Qualitative {
            continue;
        }
        let mut notes = Vec::new();
        let (agreement, verdict) = judge(row, value, lo, hi, &unit, &mut notes);
        let (agreement, verdict) = if same_model || agreement == Agreement::NotComparable {
            (agreement, verdict)
        } else {
            notes.push(format!(
                "different model: published in {}",
                row.model.as_deref().unwrap_or("another model")
            ));
            (
                Agreement::NotComparable,
                format!("{verdict} (different model, not judged)"),
            )
        };
        out.push(Comparison {
            compound: compound.clone(),
            model: model.clone(),
            measured: KeyNumber {
                experiment: experiment.to_string(),
                metric,
                label: r.label.clone().unwrap_or_default(),
                value,
                ci_lower: lo,
                ci_upper: hi,
                unit,
                flags: r.flags.clone(),
            },
            published_metric: row.metric.clone(),
            published: row.value_display(),
            published_model: row.model.clone().unwrap_or_default(),
            source: row.source.clone(),
            agreement,
            verdict,
            notes,
        });
    }
    out
}

/// The interval rule of [`crate::reference`] for an effect size (larger = stronger effect).
fn judge(
    row: &ReferenceRow,
    value: Option<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
    unit: &str,
    notes: &mut Vec<String>,
) -> (Agreement, String) {
    if row.qualifier == Qualifier::Qualitative {
        notes.push("published value is qualitative".into());
        return (Agreement::NotComparable, "not comparable".into());
    }
    let Some(v) = value else {
        notes.push("measured value not estimable".into());
        return (Agreement::NotComparable, "not comparable".into());
    };
    let pu = row.unit.as_deref().unwrap_or("").trim().to_lowercase();
    let unit_ok = match unit {
        "%" => pu.starts_with('%') || pu.starts_with("percent"),
        "fold" => pu.starts_with("fold"),
        _ => false,
    };
    if !unit_ok {
        notes.push(format!("published unit {pu:?} differs from {unit}"));
        return (Agreement::NotComparable, "not comparable".into());
    }
    let (l, u) = match (lo, hi) {
        (Some(l), Some(u)) if l <= u => (l, u),
        _ => {
            notes.push("no 95 % CI: the point estimate is compared".into());
            (v, v)
        }
    };
    let p_lo = row.low.unwrap_or(f64::NEG_INFINITY);
    let p_hi = row.high.unwrap_or(f64::INFINITY);
    if u < p_lo {
        (Agreement::Disagrees, "weaker effect than published".into())
    } else if l > p_hi {
        (
            Agreement::Disagrees,
            "stronger effect than published".into(),
        )
    } else {
        (Agreement::Agrees, "agrees".into())
    }
}
