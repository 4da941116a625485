//! Unit tests of the study report assembly, on the example manifest (`examples/study`) with
//! hand-made runs.

use std::collections::BTreeMap;
use std::path::Path;

use preclin_report::study::{Agreement, QcItem, Severity};
use serde_json::json;

use super::*;
use crate::provenance::Timestamp;
use crate::store::{ExperimentRecord, InputFile, MetricValue, Provenance, StudyRecord};

fn manifest() -> Manifest {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/study/study.toml");
    crate::manifest::load(&p).expect("example manifest")
}

fn value(metric: &str, v: f64, ci: Option<(f64, f64)>, unit: Option<&str>) -> MetricValue {
    MetricValue {
        metric: metric.into(),
        value: Some(v),
        ci_lower: ci.map(|c| c.0),
        ci_upper: ci.map(|c| c.1),
        unit: unit.map(String::from),
    }
}

fn result(
    compound: &str,
    line: &str,
    flags: &[&str],
    values: Vec<MetricValue>,
    data: serde_json::Value,
) -> ResultRecord {
    ResultRecord {
        compound: Some(compound.into()),
        cell_line: Some(line.into()),
        label: Some(format!("{compound} {line}")),
        flags: flags.iter().map(|s| s.to_string()).collect(),
        values,
        data,
    }
}

fn run(m: &Manifest, name: &str, results: Vec<ResultRecord>, seed: Option<u64>) -> RunImport {
    let e = m.experiment(name).unwrap();
    RunImport {
        study: StudyRecord::from_manifest(m, None),
        experiment: ExperimentRecord::from_experiment(e),
        provenance: Provenance {
            preclin_version: "0.1.0".into(),
            inputs: vec![
                InputFile {
                    path: format!("{name}.csv"),
                    sha256: "ab".repeat(32),
                },
                InputFile {
                    path: "shared.csv".into(),
                    sha256: "cd".repeat(32),
                },
            ],
            options: json!({"control": "vehicle", "nested": {"k": 1}}),
            seeds: seed
                .map(|s| ("bootstrap".to_string(), s))
                .into_iter()
                .collect::<BTreeMap<_, _>>(),
            time: Timestamp(0),
        },
        observations: Vec::new(),
        results,
    }
}

fn facts(m: &Manifest) -> Vec<ExperimentFacts> {
    let via = run(
        m,
        "viability_day7",
        vec![
            // overlaps the published MI-503 GI50 ≈ 250–570 nM in MV4;11
            result(
                "MI-503",
                "MV4;11",
                &[],
                vec![value("EC50", 300.0, Some((200.0, 450.0)), Some("nM"))],
                json!({}),
            ),
            // entirely below it: more potent than published, by 250/80
            result(
                "MI-503",
                "MOLM-13",
                &["at_bound×2"],
                vec![value("EC50", 50.0, Some((30.0, 80.0)), Some("nM"))],
                json!({}),
            ),
            result(
                "revumenib",
                "HEK293",
                &["fit_failed"],
                vec![MetricValue {
                    metric: "EC50".into(),
                    value: None,
                    ci_lower: None,
                    ci_upper: None,
                    unit: Some("nM".into()),
                }],
                json!({}),
            ),
            // nothing published for revumenib in MV4;11: menin-inhibitor class rows as context
            result(
                "revumenib",
                "MV4;11",
                &[],
                vec![value("EC50", 15.6, Some((10.6, 23.2)), Some("nM"))],
                json!({}),
            ),
        ],
        None,
    );
    let xeno = run(
        m,
        "xenograft",
        vec![
            result(
                "MI-503",
                "MV4;11 xenograft",
                &[],
                vec![value("T/C", 10.5, None, Some("%"))],
                json!({"reduction_percent": "89.5", "fold_reduction": "9.5"}),
            ),
            result(
                "MI-463",
                "MV4;11 xenograft",
                &[],
                vec![value("T/C", 41.4, None, Some("%"))],
                json!({"reduction_percent": "58.6", "fold_reduction": "2.41"}),
            ),
        ],
        None,
    );
    let surv = run(
        m,
        "survival",
        vec![result(
            "MI-503",
            "MV4;11 xenograft",
            &[],
            vec![value(
                "percent_increase_median",
                70.0,
                Some((14.3, 106.4)),
                None,
            )],
            json!({}),
        )],
        Some(2026),
    );
    vec![
        ExperimentFacts {
            name: "viability_day7".into(),
            run: Some(via),
            results_file: "viability_day7/potency.csv".into(),
            qc: vec![QcItem {
                severity: Severity::Error,
                experiment: String::new(),
                source: "viability_day7/qc.csv".into(),
                message: "plate P1: Z′ = 0.31 < 0.5".into(),
            }],
            definitions: vec!["ec50 = relative".into()],
            ..ExperimentFacts::default()
        },
        ExperimentFacts {
            name: "xenograft".into(),
            run: Some(xeno),
            ..ExperimentFacts::default()
        },
        ExperimentFacts {
            name: "survival".into(),
            run: Some(surv),
            ..ExperimentFacts::default()
        },
        ExperimentFacts {
            name: "qpcr".into(),
            error: Some("qpcr.csv:3: bad Ct".into()),
            ..ExperimentFacts::default()
        },
    ]
}

fn report() -> StudyReport {
    let m = manifest();
    build(
        &m,
        &facts(&m),
        &ReferenceTable::bundled(),
        &RunMeta {
            command: "preclin analyze study.toml".into(),
            generated_at: Some("2026-01-01T00:00:00Z".into()),
            manifest: Some(("study.toml".into(), "ef".repeat(32))),
        },
    )
}

#[test]
fn summary_rows_per_compound_and_model() {
    let r = report();
    assert_eq!(
        r.title,
        "MI-503 in KMT2A-rearranged leukaemia (simulated example)"
    );
    // MI-503 rows first (manifest order), models in order of appearance
    let keys: Vec<(&str, &str)> = r
        .summary
        .iter()
        .map(|s| (s.compound.as_str(), s.model.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("MI-503", "MV4;11"),
            ("MI-503", "MOLM-13"),
            ("MI-503", "MV4;11 xenograft"),
            ("revumenib", "HEK293"),
            ("revumenib", "MV4;11"),
            ("MI-463", "MV4;11 xenograft"),
        ]
    );
    let x = &r.summary[2];
    assert_eq!(x.numbers.len(), 2, "T/C and % increase in median");
    assert_eq!(x.numbers[1].ci_upper, Some(106.4));
    assert_eq!(r.experiments.len(), 9, "a section per manifest experiment");
    assert_eq!(r.experiments[0].tables[0].rows[0][4], "300");
}

#[test]
fn measured_vs_published_verdicts() {
    let r = report();
    let find = |compound: &str, model: &str, metric: &str| {
        r.comparisons
            .iter()
            .filter(|c| c.compound == compound && c.model == model && c.measured.metric == metric)
            .collect::<Vec<_>>()
    };
    let mv = find("MI-503", "MV4;11", "EC50");
    assert_eq!(mv.len(), 1);
    assert_eq!(mv[0].published, "≈ 250–570 nM");
    assert_eq!(mv[0].agreement, Agreement::Agrees);
    let molm = find("MI-503", "MOLM-13", "EC50");
    assert_eq!(molm[0].agreement, Agreement::Disagrees);
    assert!(
        molm[0]
            .verdict
            .starts_with("more potent than published (≥ 3.125-fold)")
    );
    // class reference: shown, never judged
    let class = find("revumenib", "MV4;11", "EC50");
    assert!(!class.is_empty());
    assert!(
        class
            .iter()
            .all(|c| c.agreement == Agreement::NotComparable)
    );
    assert!(
        class.iter().any(|c| c.notes[0].contains("ziftomenib")),
        "{class:?}"
    );
    assert!(
        class
            .iter()
            .all(|c| c.verdict.ends_with("(class reference)"))
    );
    // no comparison for a value that does not exist
    assert!(find("revumenib", "HEK293", "EC50").is_empty());
    // in vivo: 89.5 % reduction vs published > 80 % agrees; 2.41-fold vs ≈ 3-fold disagrees
    let red = find("MI-503", "MV4;11 xenograft", "reduction");
    let judged: Vec<_> = red
        .iter()
        .filter(|c| c.agreement != Agreement::NotComparable)
        .collect();
    assert_eq!(judged.len(), 1);
    assert_eq!(judged[0].agreement, Agreement::Agrees);
    assert_eq!(judged[0].measured.value, Some(89.5));
    let fold = find("MI-463", "MV4;11 xenograft", "fold reduction");
    assert_eq!(fold[0].agreement, Agreement::Disagrees);
    assert_eq!(fold[0].verdict, "weaker effect than published");
    // survival published in another model: shown, not judged
    let s = find("MI-503", "MV4;11 xenograft", "increase in median survival");
    assert!(!s.is_empty());
    assert!(s.iter().all(|c| c.agreement == Agreement::NotComparable));
    assert!(s[0].notes.iter().any(|n| n.starts_with("different model")));
}

#[test]
fn qc_methods_and_provenance() {
    let r = report();
    let has = |sev: Severity, text: &str| {
        r.qc.iter()
            .any(|q| q.severity == sev && q.message.contains(text))
    };
    assert!(has(Severity::Error, "Z′ = 0.31"));
    assert!(has(Severity::Error, "revumenib × HEK293"));
    assert!(has(Severity::Error, "EC50 not estimable"));
    assert!(has(Severity::Warning, "at_bound×2"));
    assert!(has(
        Severity::Error,
        "experiment failed: qpcr.csv:3: bad Ct"
    ));
    assert!(r.qc.iter().all(|q| !q.experiment.is_empty()));
    // methods: one block per experiment + 3 general; definition choices stated
    assert_eq!(r.methods.len(), 9 + 3);
    let via = &r.methods[0];
    assert!(via.heading.starts_with("viability_day7"));
    let text = via.paragraphs.join(" ");
    assert!(text.contains("relative IC50") && text.contains("absolute IC50"));
    assert!(
        text.contains("ec50 = relative"),
        "engine definitions appended"
    );
    let xeno = r
        .methods
        .iter()
        .find(|b| b.heading.starts_with("xenograft"))
        .unwrap();
    assert!(xeno.paragraphs[0].contains("TGI definition groupmeans"));
    assert!(xeno.paragraphs[0].contains("ln(V + 1)"));
    // provenance: manifest first, inputs deduplicated, options and seeds prefixed
    let p = &r.provenance;
    assert_eq!(p.inputs[0], ("study.toml".to_string(), "ef".repeat(32)));
    assert_eq!(p.inputs.iter().filter(|i| i.0 == "shared.csv").count(), 1);
    assert!(
        p.options
            .contains(&("xenograft.control".into(), "vehicle".into()))
    );
    assert!(
        p.options
            .contains(&("survival.nested.k".into(), "1".into()))
    );
    assert_eq!(p.seeds, vec![("survival.bootstrap".to_string(), 2026)]);
    assert_eq!(p.generated_at.as_deref(), Some("2026-01-01T00:00:00Z"));
    // pure: the same inputs give the same report
    assert_eq!(report(), r);
}
