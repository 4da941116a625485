//! Test helper for the store's reliability tests (not a user command):
//! imports synthetic runs into a store in a loop and prints
//! `begin <run key>` before and `committed <run key>` after each import, so that a test can kill it
//! (SIGKILL) mid-transaction or run two of it at once.
//!
//! Usage: `preclin-study-stress DB WRITER RUNS ROWS [KEYS]` — `RUNS` = 0
//! loops until killed; `ROWS` raw rows per run; with `KEYS` > 0 the run keys
//! cycle through `KEYS` values shared by every writer (so writers replace
//! each other's runs), otherwise every run has its own key.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use preclin_study::provenance::{Timestamp, sha256_hex};
use preclin_study::store::{
    CellLineRecord, CompoundRecord, ExperimentRecord, InputFile, MetricValue, Observation,
    Provenance, ResultRecord, RunImport, Store, StudyRecord,
};
use serde_json::json;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: preclin-study-stress DB WRITER RUNS ROWS [KEYS]");
        return ExitCode::from(2);
    }
    let parse = |s: &str| s.parse::<u64>().unwrap_or(0);
    let (db, writer, runs, rows) = (&args[1], &args[2], parse(&args[3]), parse(&args[4]));
    let keys = args.get(5).map_or(0, |s| parse(s));
    let mut store = match Store::open(Path::new(db)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let mut i = 0u64;
    while runs == 0 || i < runs {
        let tag = if keys > 0 {
            format!("shared-{}", i % keys)
        } else {
            format!("{writer}-{i}")
        };
        let run = synthetic_run(&tag, rows);
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "begin {}", run.run_key());
            let _ = out.flush();
        }
        match store.import(&run) {
            Ok(outcome) => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "committed {}", outcome.run_key);
                let _ = out.flush();
            }
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
        i += 1;
    }
    ExitCode::SUCCESS
}

/// A run of `rows` observations and `rows / 10 + 1` results, keyed by `tag`.
fn synthetic_run(tag: &str, rows: u64) -> RunImport {
    let study = StudyRecord {
        key: "stress".into(),
        name: "store stress test".into(),
        description: None,
        manifest_sha256: None,
        compounds: vec![CompoundRecord {
            name: "MI-503".into(),
            aliases: vec!["MI503".into()],
            target: Some("menin".into()),
            class: Some("menin inhibitor".into()),
            molecular_weight: Some(564.6),
        }],
        cell_lines: vec![CellLineRecord {
            name: "MV4;11".into(),
            aliases: vec!["MV4-11".into()],
            kind: "cell_line".into(),
            species: Some("human".into()),
            kmt2a_fusion: Some("KMT2A::AFF1".into()),
            npm1c: Some(false),
            flt3_itd: Some(true),
            men1: Some("wild-type".into()),
            normal: false,
        }],
    };
    let observations = (0..rows)
        .map(|j| {
            let mut data = serde_json::Map::new();
            data.insert("well".into(), json!(format!("W{j}")));
            data.insert("dose".into(), json!(j as f64 * 0.5));
            data.insert("response".into(), json!(100.0 - (j % 100) as f64));
            Observation {
                file: Some(format!("{tag}.csv")),
                line: Some(j + 2),
                compound: Some("mi503".into()),
                cell_line: Some("MV4-11".into()),
                data,
            }
        })
        .collect();
    let results = (0..rows / 10 + 1)
        .map(|j| ResultRecord {
            compound: Some("MI-503".into()),
            cell_line: Some("MV4;11".into()),
            label: Some(format!("curve {j}")),
            flags: Vec::new(),
            values: vec![MetricValue {
                metric: "GI50".into(),
                value: Some(300.0 + j as f64),
                ci_lower: Some(250.0),
                ci_upper: Some(360.0),
                unit: Some("nM".into()),
            }],
            data: json!({ "curve": j }),
        })
        .collect();
    RunImport {
        study,
        experiment: ExperimentRecord {
            name: "viability".into(),
            kind: "viability".into(),
            options: json!({}),
        },
        provenance: Provenance {
            preclin_version: "test".into(),
            inputs: vec![InputFile {
                path: format!("{tag}.csv"),
                sha256: sha256_hex(tag.as_bytes()),
            }],
            options: json!({}),
            seeds: BTreeMap::new(),
            time: Timestamp(1_700_000_000),
        },
        observations,
        results,
    }
}
