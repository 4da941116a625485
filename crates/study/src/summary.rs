//! Assembly of the whole-study report ([`preclin_report::study::StudyReport`]) from what
//! `preclin analyze` produced — a pure function ([`build`]) of the manifest, each experiment's
//! run (its [`RunImport`]: key results with CIs, provenance), the QC facts and figures the CLI
//! read from the engines' output files ([`ExperimentFacts`]), and the reference compound table.
//!
//! - **Summary**: one row per compound × cell line / model, in order of first appearance in the
//!   manifest's experiments, with every key number of every experiment about it (controls,
//!   which have no compound, are left out of the summary but stay in the experiment tables).
//! - **Measured vs published**: each EC50 / IC50 / GI50 / CC50 through
//!   [`crate::reference::compare_potency`]; xenograft reduction / TGI and % increase in median
//!   survival beside the seed and in vivo reference rows of the same compound
//!   (`summary_compare.rs`). Disagreements are flagged.
//! - **QC**: the facts passed in, plus one item per result whose flags say a fit failed or is
//!   doubtful (errors: `fit_failed`, `not_converged`, `too_few_points`; warnings: the other
//!   flags listed in [`WARNING_FLAGS`]).
//! - **Methods**: one block per experiment from its options (`summary_methods.rs`) plus the
//!   general blocks.
//! - **Provenance**: preclin version, every input file with its SHA-256 (deduplicated, manifest
//!   order), the options of every experiment (`experiment.key`), the seeds, and the time given
//!   by the caller (which honours `SOURCE_DATE_EPOCH`, see [`crate::provenance::Timestamp`]).

#[path = "summary_compare.rs"]
mod compare;
#[path = "summary_methods.rs"]
mod methods;

use preclin_report::html::Table;
use preclin_report::study::{
    ExperimentSection, KeyNumber, QcItem, Severity, StudyFigure, StudyProvenance, StudyReport,
    SummaryRow, fmt_p, fmt_sig,
};
use serde_json::Value;

use crate::manifest::{ExperimentKind, Manifest};
use crate::reference::ReferenceTable;
use crate::store::{ResultRecord, RunImport};

pub use methods::{experiment_methods, general_methods};

/// Result flags that make a QC error (the number does not exist or cannot be trusted).
pub const ERROR_FLAGS: [&str; 3] = ["fit_failed", "not_converged", "too_few_points"];

/// Result flags that make a QC warning.
pub const WARNING_FLAGS: [&str; 12] = [
    "at_bound",
    "never_reached",
    "extrapolated_low",
    "extrapolated_high",
    "ic50_extrapolated",
    "no_standard_errors",
    "replicate_spread",
    "not_detected",
    "control_not_detected",
    "single_sample",
    "clamped",
    "flat",
];

/// What the CLI read about one experiment, besides its run.
#[derive(Debug, Clone, Default)]
pub struct ExperimentFacts {
    /// Experiment name (as in the manifest).
    pub name: String,
    /// The run imported into the store; `None` when the experiment failed.
    pub run: Option<RunImport>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// The file the results were read from, relative to the output folder
    /// (`viability_day7/potency.csv`), named in QC items.
    pub results_file: String,
    /// QC findings read from the engine's outputs (`experiment` may be left empty: it is filled).
    pub qc: Vec<QcItem>,
    /// Extra tables (e.g. plate QC).
    pub tables: Vec<Table>,
    /// Figures (inline SVG + PNG name).
    pub figures: Vec<StudyFigure>,
    /// The engine's definition lines (the `#` comments of its result file), for the methods.
    pub definitions: Vec<String>,
}

/// The run-level facts: command line and generation time.
#[derive(Debug, Clone, Default)]
pub struct RunMeta {
    /// The command line (`preclin analyze study.toml --out OUT`).
    pub command: String,
    /// Generation time (RFC 3339), `None` to leave it out.
    pub generated_at: Option<String>,
    /// The manifest itself as (path, SHA-256), listed first among the inputs.
    pub manifest: Option<(String, String)>,
}

/// The key numbers of a result row.
fn key_numbers(experiment: &str, r: &ResultRecord) -> Vec<KeyNumber> {
    r.values
        .iter()
        .filter(|v| !(v.metric.starts_with("p_") && v.value.is_none()))
        .map(|v| KeyNumber {
            experiment: experiment.to_string(),
            metric: v.metric.clone(),
            label: r.label.clone().unwrap_or_default(),
            value: v.value,
            ci_lower: v.ci_lower,
            ci_upper: v.ci_upper,
            unit: v.unit.clone().unwrap_or_default(),
            flags: r.flags.clone(),
        })
        .collect()
}

/// The results table of an experiment: one row per result × metric.
fn results_table(e: &str, results: &[ResultRecord]) -> Table {
    let mut rows = Vec::new();
    for r in results {
        for v in &r.values {
            let p = v.metric.starts_with("p_");
            if p && v.value.is_none() {
                continue;
            }
            let ci = match (v.ci_lower, v.ci_upper) {
                (Some(l), Some(u)) => format!("{}–{}", fmt_sig(Some(l)), fmt_sig(Some(u))),
                (Some(l), None) => format!("{}–not reached", fmt_sig(Some(l))),
                _ => String::new(),
            };
            let value = match v.value {
                None => String::new(),
                Some(x) if p => fmt_p(Some(x)),
                Some(x) => fmt_sig(Some(x)).replace('—', ""),
            };
            rows.push(vec![
                r.label.clone().unwrap_or_default(),
                r.compound.clone().unwrap_or_default(),
                r.cell_line.clone().unwrap_or_default(),
                v.metric.clone(),
                value,
                ci,
                v.unit.clone().unwrap_or_default(),
                r.flags.join(", "),
            ]);
        }
    }
    Table {
        caption: format!("Key results of {e} (estimate, 95 % CI; empty = does not exist)"),
        headers: [
            "result", "compound", "model", "metric", "estimate", "95 % CI", "unit", "flags",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        rows,
        notes: Vec::new(),
    }
}

/// QC items from result flags.
fn flag_qc(experiment: &str, source: &str, results: &[ResultRecord]) -> Vec<QcItem> {
    let mut out = Vec::new();
    for r in results {
        let base = |f: &str| f.split('×').next().unwrap_or(f).trim().to_string();
        let errors: Vec<&String> = r
            .flags
            .iter()
            .filter(|f| ERROR_FLAGS.contains(&base(f).as_str()))
            .collect();
        let warnings: Vec<&String> = r
            .flags
            .iter()
            .filter(|f| WARNING_FLAGS.contains(&base(f).as_str()))
            .collect();
        if errors.is_empty() && warnings.is_empty() {
            continue;
        }
        let what = [
            r.compound.as_deref(),
            r.cell_line.as_deref(),
            r.label.as_deref(),
        ]
        .iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(" × ");
        let (severity, flags) = if errors.is_empty() {
            (Severity::Warning, warnings)
        } else {
            (
                Severity::Error,
                errors.into_iter().chain(warnings).collect(),
            )
        };
        let missing: Vec<&str> = r
            .values
            .iter()
            .filter(|v| v.value.is_none() && !v.metric.starts_with("p_"))
            .map(|v| v.metric.as_str())
            .collect();
        out.push(QcItem {
            severity,
            experiment: experiment.to_string(),
            source: source.to_string(),
            message: format!(
                "{what}: result flags {}{}",
                flags
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                if missing.is_empty() {
                    String::new()
                } else {
                    format!(" ({} not estimable)", missing.join(", "))
                }
            ),
        });
    }
    out
}

/// Flattens an options JSON object into (`prefix.key`, value) pairs.
fn flatten_options(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                match x {
                    Value::Null => {}
                    Value::Object(_) => flatten_options(&format!("{prefix}.{k}"), x, out),
                    Value::String(s) => out.push((format!("{prefix}.{k}"), s.clone())),
                    other => out.push((format!("{prefix}.{k}"), other.to_string())),
                }
            }
        }
        Value::Null => {}
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// Builds the study report. Pure: the same arguments give the same report.
pub fn build(
    m: &Manifest,
    facts: &[ExperimentFacts],
    reference: &ReferenceTable,
    meta: &RunMeta,
) -> StudyReport {
    let mut summary: Vec<SummaryRow> = Vec::new();
    let mut potency = Vec::new();
    let mut in_vivo = Vec::new();
    let mut qc = Vec::new();
    let mut experiments = Vec::new();
    let mut methods_blocks = Vec::new();
    let mut prov = StudyProvenance {
        tool_version: crate::provenance::PRECLIN_VERSION.to_string(),
        command: meta.command.clone(),
        generated_at: meta.generated_at.clone(),
        ..StudyProvenance::default()
    };
    if let Some(mf) = &meta.manifest {
        prov.inputs.push(mf.clone());
    }
    for e in &m.experiments {
        let f = facts.iter().find(|f| f.name == e.name);
        let results: &[ResultRecord] = f
            .and_then(|f| f.run.as_ref())
            .map(|r| r.results.as_slice())
            .unwrap_or(&[]);
        for r in results {
            if let Some(c) = &r.compound {
                let model = r.cell_line.clone().unwrap_or_default();
                let i = match summary
                    .iter()
                    .position(|s| &s.compound == c && s.model == model)
                {
                    Some(i) => i,
                    None => {
                        summary.push(SummaryRow {
                            compound: c.clone(),
                            model,
                            numbers: Vec::new(),
                        });
                        summary.len() - 1
                    }
                };
                summary[i].numbers.extend(key_numbers(&e.name, r));
            }
            potency.extend(compare::potency(m, reference, &e.name, r));
            if matches!(e.kind, ExperimentKind::Xenograft | ExperimentKind::Survival) {
                in_vivo.extend(compare::in_vivo(m, reference, &e.name, e.kind, r));
            }
        }
        let mut text = Vec::new();
        if let Some(d) = &e.description {
            text.push(d.clone());
        }
        text.push(format!(
            "Compounds: {}. Cell lines / models: {}. Data files: {}.",
            if e.compounds.is_empty() {
                "—".to_string()
            } else {
                e.compounds.join(", ")
            },
            if e.cell_lines.is_empty() {
                "—".to_string()
            } else {
                e.cell_lines.join(", ")
            },
            e.file_patterns.join(", ")
        ));
        let mut section = ExperimentSection {
            name: e.name.clone(),
            title: format!("{} ({})", e.name, e.kind.as_str().replace('_', " ")),
            kind: e.kind.as_str().to_string(),
            text,
            ..ExperimentSection::default()
        };
        if let Some(f) = f {
            if let Some(err) = &f.error {
                qc.push(QcItem {
                    severity: Severity::Error,
                    experiment: e.name.clone(),
                    source: e.name.clone(),
                    message: format!("experiment failed: {err}"),
                });
                section.text.push(format!("This experiment failed: {err}"));
            }
            qc.extend(f.qc.iter().cloned().map(|mut q| {
                if q.experiment.is_empty() {
                    q.experiment = e.name.clone();
                }
                q
            }));
            qc.extend(flag_qc(&e.name, &f.results_file, results));
            if !results.is_empty() {
                section.tables.push(results_table(&e.name, results));
            }
            section.tables.extend(f.tables.iter().cloned());
            section.figures = f.figures.clone();
            methods_blocks.push(experiment_methods(e, &f.definitions));
            if let Some(run) = &f.run {
                for i in &run.provenance.inputs {
                    let pair = (i.path.clone(), i.sha256.clone());
                    if !prov.inputs.contains(&pair) {
                        prov.inputs.push(pair);
                    }
                }
                flatten_options(&e.name, &run.provenance.options, &mut prov.options);
                for (k, s) in &run.provenance.seeds {
                    prov.seeds.push((format!("{}.{k}", e.name), *s));
                }
            }
        } else {
            methods_blocks.push(experiment_methods(e, &[]));
        }
        experiments.push(section);
    }
    // compounds in manifest order (stable: models keep their order of appearance)
    summary.sort_by_key(|s| {
        m.compounds
            .iter()
            .position(|c| c.name == s.compound)
            .unwrap_or(usize::MAX)
    });
    methods_blocks.extend(general_methods(crate::provenance::PRECLIN_VERSION));
    let mut subtitle = vec![format!("study {}", m.study.id)];
    for s in [&m.study.investigator, &m.study.lab, &m.study.date]
        .into_iter()
        .flatten()
    {
        subtitle.push(s.clone());
    }
    StudyReport {
        title: m.study.name.clone(),
        subtitle: subtitle.join(" · "),
        description: m.study.description.iter().cloned().collect(),
        summary,
        comparisons: potency.into_iter().chain(in_vivo).collect(),
        qc,
        experiments,
        methods: methods_blocks,
        provenance: prov,
    }
}

#[cfg(test)]
#[path = "summary_tests.rs"]
mod tests;
