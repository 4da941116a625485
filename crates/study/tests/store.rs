//! Store tests: round trip, idempotent re-import, atomic failure,
//! migrations, a process SIGKILLed mid-import, and concurrent writers.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use preclin_study::provenance::{Timestamp, sha256_hex};
use preclin_study::store::{
    CellLineRecord, CompoundRecord, ExperimentRecord, InputFile, MetricValue, Observation,
    Provenance, ResultRecord, RunImport, SCHEMA_VERSION, Store, StoreError, StudyRecord,
    ValueFilter,
};
use serde_json::json;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh empty folder under the system temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("preclin-study-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn study(key: &str) -> StudyRecord {
    StudyRecord {
        key: key.into(),
        name: format!("study {key}"),
        description: Some("test".into()),
        manifest_sha256: None,
        compounds: vec![
            CompoundRecord {
                name: "MI-503".into(),
                aliases: vec!["MI503".into()],
                target: Some("menin".into()),
                class: Some("menin inhibitor".into()),
                molecular_weight: Some(564.6),
            },
            CompoundRecord {
                name: "venetoclax".into(),
                aliases: vec!["ABT-199".into()],
                target: Some("BCL-2".into()),
                class: None,
                molecular_weight: Some(868.4),
            },
        ],
        cell_lines: vec![
            CellLineRecord {
                name: "MV4;11".into(),
                aliases: vec!["MV4-11".into()],
                kind: "cell_line".into(),
                species: Some("human".into()),
                kmt2a_fusion: Some("KMT2A::AFF1".into()),
                npm1c: Some(false),
                flt3_itd: Some(true),
                men1: Some("wild-type".into()),
                normal: false,
            },
            CellLineRecord {
                name: "MOLM-13".into(),
                aliases: vec!["MOLM13".into()],
                kind: "cell_line".into(),
                species: Some("human".into()),
                kmt2a_fusion: Some("KMT2A::MLLT3".into()),
                npm1c: None,
                flt3_itd: Some(true),
                men1: None,
                normal: false,
            },
        ],
    }
}

fn gi50(compound: &str, line: &str, value: Option<f64>) -> ResultRecord {
    ResultRecord {
        compound: Some(compound.into()),
        cell_line: Some(line.into()),
        label: Some(format!("{compound} / {line}")),
        flags: if value.is_none() {
            vec!["fit_failed".into()]
        } else {
            Vec::new()
        },
        values: vec![MetricValue {
            metric: "GI50".into(),
            value,
            ci_lower: value.map(|v| v * 0.8),
            ci_upper: value.map(|v| v * 1.25),
            unit: Some("nM".into()),
        }],
        data: json!({ "compound": compound, "cell_line": line, "gi50": value }),
    }
}

fn run(study_key: &str, input: &str, results: Vec<ResultRecord>) -> RunImport {
    let mut data = serde_json::Map::new();
    data.insert("well".into(), json!("A1"));
    data.insert("response".into(), json!(97.5));
    RunImport {
        study: study(study_key),
        experiment: ExperimentRecord {
            name: "viability".into(),
            kind: "viability".into(),
            options: json!({ "readout": "viability" }),
        },
        provenance: Provenance {
            preclin_version: "0.1.0".into(),
            inputs: vec![InputFile {
                path: "plates/p1.csv".into(),
                sha256: sha256_hex(input.as_bytes()),
            }],
            options: json!({ "readout": "viability" }),
            seeds: BTreeMap::from([("bootstrap".to_string(), 123)]),
            time: Timestamp(1_700_000_000),
        },
        observations: vec![
            Observation {
                file: Some("plates/p1.csv".into()),
                line: Some(2),
                compound: Some("mi503".into()),
                cell_line: Some("mv4-11".into()),
                data: data.clone(),
            },
            Observation {
                file: Some("plates/p1.csv".into()),
                line: Some(3),
                compound: None,
                cell_line: Some("MOLM13".into()),
                data,
            },
        ],
        results,
    }
}

#[test]
fn round_trip_and_cross_study_query() {
    let dir = temp_dir("roundtrip");
    let db = dir.join("preclin.db");
    let mut store = Store::open(&db).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let a = run(
        "study-a",
        "plate a",
        vec![
            gi50("MI-503", "MV4;11", Some(310.0)),
            gi50("MI503", "MOLM13", Some(420.0)),
            gi50("venetoclax", "MV4;11", None),
        ],
    );
    let out = store.import(&a).unwrap();
    assert!(!out.replaced);
    assert_eq!(out.run_key, a.run_key());
    let b = run(
        "study-b",
        "plate b",
        vec![gi50("mi-503", "MV4-11", Some(280.0))],
    );
    store.import(&b).unwrap();
    drop(store);

    // reopen: everything is there
    let store = Store::open(&db).unwrap();
    let studies = store.studies().unwrap();
    assert_eq!(studies.len(), 2);
    assert_eq!(studies[0].key, "study-a");
    assert_eq!(studies[0].n_compounds, 2);
    assert_eq!(studies[0].n_cell_lines, 2);
    assert_eq!(studies[0].n_runs, 1);
    assert_eq!(studies[0].last_run.as_deref(), Some("2023-11-14T22:13:20Z"));

    let detail = store.study("study-a").unwrap();
    assert_eq!(detail.compounds[0].aliases, vec!["MI503".to_string()]);
    assert_eq!(
        detail.cell_lines[0].kmt2a_fusion.as_deref(),
        Some("KMT2A::AFF1")
    );
    assert_eq!(detail.cell_lines[0].flt3_itd, Some(true));
    assert_eq!(detail.cell_lines[1].npm1c, None);
    assert_eq!(
        detail.experiments[0].options,
        json!({ "readout": "viability" })
    );
    assert_eq!(detail.runs.len(), 1);
    assert_eq!(detail.runs[0].seeds["bootstrap"], 123);
    assert_eq!(detail.runs[0].inputs[0].path, "plates/p1.csv");
    assert!(matches!(
        store.study("nope"),
        Err(StoreError::UnknownStudy(_))
    ));

    // every GI50 of MI-503 (by an alias, any case) across studies and lines
    let rows = store
        .values(&ValueFilter {
            compound: Some("mi503".into()),
            metric: Some("gi50".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r.compound.as_deref() == Some("MI-503")));
    let mv4: Vec<_> = rows
        .iter()
        .filter(|r| r.cell_line.as_deref() == Some("MV4;11"))
        .map(|r| (r.study.as_str(), r.value))
        .collect();
    assert_eq!(
        mv4,
        vec![("study-a", Some(310.0)), ("study-b", Some(280.0))]
    );
    // the failed fit is stored as a missing number, flagged
    let ven = store
        .values(&ValueFilter {
            compound: Some("ABT-199".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(ven.len(), 1);
    assert_eq!(ven[0].value, None);
    assert_eq!(ven[0].ci_lower, None);
    assert_eq!(ven[0].flags, "fit_failed");

    // by cell line alias and study
    let rows = store
        .values(&ValueFilter {
            cell_line: Some("molm-13".into()),
            study: Some("study-a".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].value, Some(420.0));
    assert_eq!(rows[0].ci_upper, Some(420.0 * 1.25));

    // raw observations come back in order, resolved
    let obs = store.observations(detail.runs[0].id).unwrap();
    assert_eq!(obs.len(), 2);
    assert_eq!(obs[0].compound.as_deref(), Some("MI-503"));
    assert_eq!(obs[1].cell_line.as_deref(), Some("MOLM-13"));
    assert_eq!(obs[0].data["response"], json!(97.5));

    // free read-only SQL; writes refused
    let q = store
        .query_sql("SELECT key FROM studies ORDER BY key")
        .unwrap();
    assert_eq!(q.columns, vec!["key".to_string()]);
    assert_eq!(q.rows, vec![vec![json!("study-a")], vec![json!("study-b")]]);
    assert!(matches!(
        store.query_sql("DELETE FROM studies"),
        Err(StoreError::Refused(_))
    ));
    assert_eq!(store.integrity_check().unwrap(), vec!["ok".to_string()]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn reimport_is_idempotent_and_new_inputs_add_a_run() {
    let mut store = Store::open_in_memory().unwrap();
    let a = run("s", "plate", vec![gi50("MI-503", "MV4;11", Some(310.0))]);
    let first = store.import(&a).unwrap();
    let counts = |s: &Store| {
        [
            "studies",
            "compounds",
            "compound_names",
            "cell_lines",
            "experiments",
            "runs",
            "run_inputs",
            "observations",
            "results",
            "result_values",
        ]
        .map(|t| s.count(t).unwrap())
    };
    let before = counts(&store);
    // same inputs and options, later time and another preclin version: same key
    let mut again = a.clone();
    again.provenance.time = Timestamp(1_800_000_000);
    again.provenance.preclin_version = "0.2.0".into();
    assert_eq!(again.run_key(), a.run_key());
    let second = store.import(&again).unwrap();
    assert!(second.replaced);
    assert_eq!(second.run_key, first.run_key);
    assert_eq!(counts(&store), before);
    let runs = store.runs(None).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].preclin_version, "0.2.0");

    // changed input: a new run; queries show the latest by default
    let b = run("s", "plate v2", vec![gi50("MI-503", "MV4;11", Some(330.0))]);
    assert_ne!(b.run_key(), a.run_key());
    assert!(!store.import(&b).unwrap().replaced);
    assert_eq!(store.runs(Some("s")).unwrap().len(), 2);
    let latest = store.values(&ValueFilter::default()).unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].value, Some(330.0));
    let all = store
        .values(&ValueFilter {
            all_runs: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.len(), 2);
    // changed options or seeds change the key too
    let mut c = a.clone();
    c.provenance.seeds.insert("bootstrap".into(), 124);
    assert_ne!(c.run_key(), a.run_key());
}

#[test]
fn failed_import_writes_nothing() {
    let mut store = Store::open_in_memory().unwrap();
    let bad = run(
        "s",
        "plate",
        vec![
            gi50("MI-503", "MV4;11", Some(310.0)),
            gi50("MI-999", "MV4;11", Some(1.0)),
        ],
    );
    let err = store.import(&bad).unwrap_err();
    assert!(
        err.to_string().contains("unknown compound 'MI-999'"),
        "{err}"
    );
    for t in [
        "studies",
        "compounds",
        "experiments",
        "runs",
        "observations",
        "results",
    ] {
        assert_eq!(store.count(t).unwrap(), 0, "{t}");
    }
    // and a failing re-import leaves the stored run untouched
    let good = run("s", "plate", vec![gi50("MI-503", "MV4;11", Some(310.0))]);
    store.import(&good).unwrap();
    let mut bad_again = good.clone();
    bad_again.results.push(gi50("MI-503", "K562", Some(5.0)));
    bad_again.results.truncate(2);
    // same key as `good` (results are not part of the key), so it would replace it
    assert_eq!(bad_again.run_key(), good.run_key());
    assert!(store.import(&bad_again).is_err());
    let v = store.values(&ValueFilter::default()).unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].value, Some(310.0));
    assert!(store.incomplete_runs().unwrap().is_empty());
}

#[test]
fn newer_schema_is_refused() {
    let dir = temp_dir("schema");
    let db = dir.join("preclin.db");
    drop(Store::open(&db).unwrap());
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
    }
    match Store::open(&db) {
        Err(StoreError::TooNew { found, supported }) => {
            assert_eq!(found, SCHEMA_VERSION + 1);
            assert_eq!(supported, SCHEMA_VERSION);
        }
        other => panic!("expected TooNew, got {other:?}"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn stress_bin() -> &'static str {
    env!("CARGO_BIN_EXE_preclin-study-stress")
}

/// Check a store file: integrity_check ok, every run complete.
fn assert_consistent(db: &Path) -> Store {
    let store = Store::open(db).unwrap();
    assert_eq!(store.integrity_check().unwrap(), vec!["ok".to_string()]);
    assert_eq!(store.incomplete_runs().unwrap(), Vec::<i64>::new());
    // no orphans: every observation / result belongs to a stored run
    let orphans = store
        .query_sql(
            "SELECT (SELECT count(*) FROM observations WHERE run_id NOT IN (SELECT id FROM runs))
                  + (SELECT count(*) FROM results WHERE run_id NOT IN (SELECT id FROM runs))
                  + (SELECT count(*) FROM result_values WHERE result_id NOT IN (SELECT id FROM results))",
        )
        .unwrap();
    assert_eq!(orphans.rows[0][0], json!(0));
    store
}

/// A writer SIGKILLed during imports leaves a consistent store holding
/// exactly complete runs, including every run it reported committed.
#[test]
fn kill_during_import_leaves_store_consistent() {
    let dir = temp_dir("kill");
    let db = dir.join("preclin.db");
    let mut committed_total: Vec<String> = Vec::new();
    let mut killed_mid_import = 0;
    // kill at several moments after the second commit
    for (round, delay_ms) in [3u64, 17, 41, 5, 29].into_iter().enumerate() {
        let mut child = Command::new(stress_bin())
            .args([db.to_str().unwrap(), &format!("w{round}"), "0", "20000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let start = Instant::now();
        let mut seen = 0;
        let mut began: Option<String> = None;
        // two complete imports, then the start of the third
        while began.is_none() {
            let line = rx
                .recv_timeout(Duration::from_secs(120))
                .unwrap_or_else(|_| panic!("writer made no progress in {:?}", start.elapsed()));
            if let Some(key) = line.strip_prefix("committed ") {
                committed_total.push(key.to_string());
                seen += 1;
            } else if let Some(key) = line.strip_prefix("begin ") {
                if seen >= 2 {
                    began = Some(key.to_string());
                }
            }
        }
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        assert!(!status.success());
        reader.join().unwrap();
        for line in rx.try_iter() {
            if let Some(key) = line.strip_prefix("committed ") {
                committed_total.push(key.to_string());
            }
        }
        let store = assert_consistent(&db);
        let runs = store.runs(None).unwrap();
        let keys: Vec<&str> = runs.iter().map(|r| r.run_key.as_str()).collect();
        for k in &committed_total {
            assert!(keys.contains(&k.as_str()), "committed run {k} lost");
        }
        // at most one run more than reported (committed, killed before printing)
        assert!(runs.len() <= committed_total.len() + round + 1);
        if !keys.contains(&began.as_deref().unwrap()) {
            killed_mid_import += 1;
        }
        for r in &runs {
            assert_eq!(r.n_observations, 20000);
            assert_eq!(r.n_results, 2001);
        }
    }
    // the kills must have hit open transactions, or the test proves nothing
    assert!(
        killed_mid_import >= 3,
        "only {killed_mid_import} of 5 kills hit an import"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Two processes importing into one store at once (partly the same run
/// keys, so they replace each other's runs) both succeed and leave a
/// consistent store.
#[test]
fn concurrent_writers_do_not_corrupt() {
    let dir = temp_dir("concurrent");
    let db = dir.join("preclin.db");
    let spawn = |w: &str| {
        Command::new(stress_bin())
            .args([db.to_str().unwrap(), w, "12", "3000", "4"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let a = spawn("a");
    let b = spawn("b");
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "writer failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let store = assert_consistent(&db);
    // 4 shared keys: replaced, not duplicated
    assert_eq!(store.runs(None).unwrap().len(), 4);
    assert_eq!(store.count("observations").unwrap(), 4 * 3000);
    assert_eq!(store.count("studies").unwrap(), 1);
    assert_eq!(store.count("compounds").unwrap(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}
