//! The embedded store: one SQLite file (`DIR/preclin.db` by default) holding
//! studies, their compounds, cell lines and experiments, and every analysis
//! run with its raw observations, results and provenance.
//!
//! # Schema (version 1)
//!
//! | table | one row per | key columns |
//! |---|---|---|
//! | `studies` | study (`[study] id` of the manifest) | `key` unique |
//! | `compounds`, `compound_names` | compound of a study; its name and every alias, lower-cased | `(study_id, name)` unique |
//! | `cell_lines`, `cell_line_names` | cell line / model of a study (genotype columns); names and aliases | `(study_id, name)` unique |
//! | `experiments` | experiment of a study (kind, options JSON) | `(study_id, name)` unique |
//! | `runs` | analysis of one experiment: provenance (preclin version, options JSON, seeds JSON, time), counts of its rows | `run_key` unique |
//! | `run_inputs` | input file of a run: path and SHA-256 | `(run_id, path)` |
//! | `observations` | raw tidy input row (one well, one Cq, one dish …): file, line, resolved compound / cell line, and the whole row as a JSON object (generic key/value) | `run_id, seq` |
//! | `results` | engine result row (one curve, one gene × group …): resolved compound / cell line, a label, flags, and the whole row as JSON | `run_id, seq` |
//! | `result_values` | key number of a result row: metric (`GI50`, `IC50`, `EC50`, `fold_change` …), value, 95 % CI, unit — typed columns, `NULL` when the number does not exist | `(result_id, metric)` |
//!
//! Observations are stored generically (a JSON object per row) rather than
//! in per-kind tables: every engine's tidy input differs, and the store's
//! job is to keep them verbatim beside the results; the typed, queried
//! numbers live in `result_values`.
//!
//! # Guarantees
//!
//! - **Migrations** by `PRAGMA user_version`: [`Store::open`] applies the
//!   missing steps in one transaction; a store newer than this build is
//!   refused.
//! - **WAL journal, busy timeout** (30 s), foreign keys on: several processes
//!   may read and write one store; writers take the write lock at the start
//!   of their transaction (`BEGIN IMMEDIATE`) so they queue instead of
//!   deadlocking.
//! - **Atomic imports**: [`Store::import`] writes a run — study, compounds,
//!   cell lines, experiment, run, inputs, observations, results — in one
//!   transaction. A failed or killed import leaves nothing of itself.
//! - **Idempotent re-analysis**: a run's key ([`RunImport::run_key`]) is the
//!   SHA-256 of the study key, experiment name and kind, options, seeds and
//!   input files (path + SHA-256). Importing a run whose key is stored
//!   replaces it (its rows are deleted in the same transaction), so the same
//!   inputs analysed twice leave one run. The preclin version and time are
//!   provenance, not part of the key.
//! - Queries read the **latest run** of each experiment unless asked for all.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::manifest::{Experiment, Manifest, name_key};
use crate::provenance::{PRECLIN_VERSION, Timestamp, sha256_file, sha256_hex};

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i64 = 1;

/// Migration steps; step `i` brings `user_version` from `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE studies (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT,
    manifest_sha256 TEXT,
    updated INTEGER NOT NULL
);
CREATE TABLE compounds (
    id INTEGER PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    target TEXT,
    class TEXT,
    molecular_weight REAL,
    UNIQUE (study_id, name)
);
CREATE TABLE compound_names (
    compound_id INTEGER NOT NULL REFERENCES compounds(id) ON DELETE CASCADE,
    name_key TEXT NOT NULL,
    alias TEXT NOT NULL,
    PRIMARY KEY (compound_id, name_key)
);
CREATE INDEX compound_names_key ON compound_names(name_key);
CREATE TABLE cell_lines (
    id INTEGER PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    species TEXT,
    kmt2a_fusion TEXT,
    npm1c INTEGER,
    flt3_itd INTEGER,
    men1 TEXT,
    normal INTEGER NOT NULL DEFAULT 0,
    UNIQUE (study_id, name)
);
CREATE TABLE cell_line_names (
    cell_line_id INTEGER NOT NULL REFERENCES cell_lines(id) ON DELETE CASCADE,
    name_key TEXT NOT NULL,
    alias TEXT NOT NULL,
    PRIMARY KEY (cell_line_id, name_key)
);
CREATE INDEX cell_line_names_key ON cell_line_names(name_key);
CREATE TABLE experiments (
    id INTEGER PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    options_json TEXT NOT NULL,
    UNIQUE (study_id, name)
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    run_key TEXT NOT NULL UNIQUE,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    preclin_version TEXT NOT NULL,
    time INTEGER NOT NULL,
    time_utc TEXT NOT NULL,
    options_json TEXT NOT NULL,
    seeds_json TEXT NOT NULL,
    n_observations INTEGER NOT NULL,
    n_results INTEGER NOT NULL
);
CREATE INDEX runs_experiment ON runs(experiment_id);
CREATE TABLE run_inputs (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (run_id, path)
);
CREATE TABLE observations (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    file TEXT,
    line INTEGER,
    compound_id INTEGER REFERENCES compounds(id),
    cell_line_id INTEGER REFERENCES cell_lines(id),
    data_json TEXT NOT NULL
);
CREATE INDEX observations_run ON observations(run_id);
CREATE TABLE results (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    compound_id INTEGER REFERENCES compounds(id),
    cell_line_id INTEGER REFERENCES cell_lines(id),
    label TEXT,
    flags TEXT NOT NULL,
    data_json TEXT NOT NULL
);
CREATE INDEX results_run ON results(run_id);
CREATE TABLE result_values (
    result_id INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE,
    metric TEXT NOT NULL,
    value REAL,
    ci_lower REAL,
    ci_upper REAL,
    unit TEXT,
    PRIMARY KEY (result_id, metric)
);
CREATE INDEX result_values_metric ON result_values(metric COLLATE NOCASE);
"#];

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database file could not be opened or set up.
    #[error("{}: {source}", path.display())]
    Open {
        /// The store path.
        path: PathBuf,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// An SQLite error.
    #[error("store: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A JSON column could not be written or read.
    #[error("store: {0}")]
    Json(#[from] serde_json::Error),
    /// The store was written by a newer preclin.
    #[error(
        "store schema version {found} is newer than this preclin supports ({supported}); use a newer preclin"
    )]
    TooNew {
        /// `user_version` of the file.
        found: i64,
        /// [`SCHEMA_VERSION`].
        supported: i64,
    },
    /// A result or observation names a compound or cell line its study does
    /// not declare.
    #[error("study '{study}': unknown {what} '{name}' in the rows of experiment '{experiment}'")]
    UnknownReference {
        /// Study key.
        study: String,
        /// Experiment name.
        experiment: String,
        /// `compound` or `cell line`.
        what: &'static str,
        /// The name as given.
        name: String,
    },
    /// The study key is not in the store.
    #[error("no study '{0}' in the store")]
    UnknownStudy(String),
    /// A read-only query was refused (it would write).
    #[error("query refused: {0}")]
    Refused(String),
}

// ---------------------------------------------------------------------------
// Records written by an import
// ---------------------------------------------------------------------------

/// A compound as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompoundRecord {
    /// Canonical name.
    pub name: String,
    /// Aliases.
    pub aliases: Vec<String>,
    /// Target.
    pub target: Option<String>,
    /// Class.
    pub class: Option<String>,
    /// g/mol.
    pub molecular_weight: Option<f64>,
}

/// A cell line / model as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellLineRecord {
    /// Canonical name.
    pub name: String,
    /// Aliases.
    pub aliases: Vec<String>,
    /// `cell_line`, `pdx`, … (the manifest's spelling).
    pub kind: String,
    /// Species.
    pub species: Option<String>,
    /// KMT2A fusion.
    pub kmt2a_fusion: Option<String>,
    /// NPM1c.
    pub npm1c: Option<bool>,
    /// FLT3-ITD.
    pub flt3_itd: Option<bool>,
    /// MEN1 status as text (`wild-type`, `knockout` or the mutation).
    pub men1: Option<String>,
    /// Non-malignant.
    pub normal: bool,
}

/// The study an import belongs to, with its compounds and cell lines
/// (upserted by name; entries no longer in the manifest are kept, since old
/// runs refer to them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyRecord {
    /// Stable key (`[study] id`).
    pub key: String,
    /// Title.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// SHA-256 of the manifest file.
    pub manifest_sha256: Option<String>,
    /// Compounds.
    pub compounds: Vec<CompoundRecord>,
    /// Cell lines / models.
    pub cell_lines: Vec<CellLineRecord>,
}

impl StudyRecord {
    /// The record of a validated manifest.
    pub fn from_manifest(m: &Manifest, manifest_sha256: Option<String>) -> StudyRecord {
        StudyRecord {
            key: m.study.id.clone(),
            name: m.study.name.clone(),
            description: m.study.description.clone(),
            manifest_sha256,
            compounds: m
                .compounds
                .iter()
                .map(|c| CompoundRecord {
                    name: c.name.clone(),
                    aliases: c.aliases.clone(),
                    target: c.target.clone(),
                    class: c.class.clone(),
                    molecular_weight: c.molecular_weight,
                })
                .collect(),
            cell_lines: m
                .cell_lines
                .iter()
                .map(|c| CellLineRecord {
                    name: c.name.clone(),
                    aliases: c.aliases.clone(),
                    kind: serde_json::to_value(c.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    species: c.species.clone(),
                    kmt2a_fusion: c.kmt2a_fusion.clone(),
                    npm1c: c.npm1c,
                    flt3_itd: c.flt3_itd,
                    men1: c.men1.as_ref().map(|m| m.to_string()),
                    normal: c.normal,
                })
                .collect(),
        }
    }
}

/// The experiment a run analyses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentRecord {
    /// Name, unique in the study.
    pub name: String,
    /// Kind (`viability`, `qpcr` …).
    pub kind: String,
    /// Engine options as JSON.
    pub options: Value,
}

impl ExperimentRecord {
    /// The record of a manifest experiment (options as JSON).
    pub fn from_experiment(e: &Experiment) -> ExperimentRecord {
        ExperimentRecord {
            name: e.name.clone(),
            kind: e.kind.as_str().to_string(),
            options: e.options.to_json(),
        }
    }
}

/// An input file of a run.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InputFile {
    /// Path as given (relative to the manifest where possible).
    pub path: String,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
}

/// Provenance of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// preclin version.
    pub preclin_version: String,
    /// Input files.
    pub inputs: Vec<InputFile>,
    /// Options as JSON (what the engine actually used).
    pub options: Value,
    /// Named random seeds (e.g. `bootstrap` → 123).
    pub seeds: BTreeMap<String, u64>,
    /// Time of the run ([`Timestamp::now`] honours `SOURCE_DATE_EPOCH`).
    pub time: Timestamp,
}

impl Provenance {
    /// The provenance of analysing `e` of manifest `m` now: every input
    /// file ([`Experiment::input_files`]) with its SHA-256, paths relative to
    /// the manifest's folder (`/`-separated); the options as JSON; `seeds`;
    /// the time from [`Timestamp::now`].
    pub fn for_experiment(
        m: &Manifest,
        e: &Experiment,
        seeds: BTreeMap<String, u64>,
    ) -> std::io::Result<Provenance> {
        let mut inputs = Vec::new();
        for f in e.input_files() {
            let sha256 = sha256_file(&f).map_err(|err| {
                std::io::Error::new(err.kind(), format!("{}: {err}", f.display()))
            })?;
            let rel = f.strip_prefix(&m.base_dir).unwrap_or(&f);
            let path = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            inputs.push(InputFile { path, sha256 });
        }
        Ok(Provenance {
            preclin_version: PRECLIN_VERSION.to_string(),
            inputs,
            options: e.options.to_json(),
            seeds,
            time: Timestamp::now(),
        })
    }
}

/// One raw tidy input row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// Source file.
    pub file: Option<String>,
    /// 1-based line in the source file.
    pub line: Option<u64>,
    /// Compound name or alias (resolved against the study).
    pub compound: Option<String>,
    /// Cell line name or alias (resolved against the study).
    pub cell_line: Option<String>,
    /// The row, column → value.
    pub data: serde_json::Map<String, Value>,
}

/// One key number of a result row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricValue {
    /// Metric name (`GI50`, `IC50`, `EC50`, `fold_change`, `TGI` …).
    pub metric: String,
    /// Estimate; `None` when it does not exist (failed fit, not reached).
    pub value: Option<f64>,
    /// Lower bound of its 95 % CI.
    pub ci_lower: Option<f64>,
    /// Upper bound of its 95 % CI.
    pub ci_upper: Option<f64>,
    /// Unit (`nM`, `%` …).
    pub unit: Option<String>,
}

/// One engine result row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultRecord {
    /// Compound name or alias.
    pub compound: Option<String>,
    /// Cell line name or alias.
    pub cell_line: Option<String>,
    /// Free label (curve id, gene, group …).
    pub label: Option<String>,
    /// QC flags.
    pub flags: Vec<String>,
    /// Key numbers (metric names unique within the row).
    pub values: Vec<MetricValue>,
    /// The full row as JSON.
    pub data: Value,
}

/// Everything one analysis of one experiment writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunImport {
    /// The study.
    pub study: StudyRecord,
    /// The experiment.
    pub experiment: ExperimentRecord,
    /// Provenance.
    pub provenance: Provenance,
    /// Raw rows.
    pub observations: Vec<Observation>,
    /// Result rows.
    pub results: Vec<ResultRecord>,
}

impl RunImport {
    /// The run key: SHA-256 (hex) of the canonical JSON of
    /// `{study, experiment, kind, options, seeds, inputs (sorted)}`.
    pub fn run_key(&self) -> String {
        let mut inputs = self.provenance.inputs.clone();
        inputs.sort();
        let key = serde_json::json!({
            "study": self.study.key,
            "experiment": self.experiment.name,
            "kind": self.experiment.kind,
            "options": self.provenance.options,
            "seeds": self.provenance.seeds,
            "inputs": inputs,
        });
        sha256_hex(key.to_string().as_bytes())
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    /// Row id of the new run.
    pub run_id: i64,
    /// Its key.
    pub run_key: String,
    /// True if a run with the same key was replaced.
    pub replaced: bool,
}

// ---------------------------------------------------------------------------
// Rows returned by queries
// ---------------------------------------------------------------------------

/// A study in `db list`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudySummary {
    /// Key.
    pub key: String,
    /// Title.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Compounds stored.
    pub n_compounds: i64,
    /// Cell lines stored.
    pub n_cell_lines: i64,
    /// Experiments stored.
    pub n_experiments: i64,
    /// Runs stored.
    pub n_runs: i64,
    /// Time of the latest run.
    pub last_run: Option<String>,
}

/// A run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// Row id.
    pub id: i64,
    /// Key.
    pub run_key: String,
    /// Study key.
    pub study: String,
    /// Experiment.
    pub experiment: String,
    /// Kind.
    pub kind: String,
    /// preclin version.
    pub preclin_version: String,
    /// RFC 3339 time.
    pub time: String,
    /// Raw rows.
    pub n_observations: i64,
    /// Result rows.
    pub n_results: i64,
    /// Inputs.
    pub inputs: Vec<InputFile>,
    /// Seeds.
    pub seeds: BTreeMap<String, u64>,
}

/// A study in `db show`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyDetail {
    /// Summary.
    pub summary: StudySummary,
    /// Compounds.
    pub compounds: Vec<CompoundRecord>,
    /// Cell lines / models.
    pub cell_lines: Vec<CellLineRecord>,
    /// Experiments.
    pub experiments: Vec<ExperimentRecord>,
    /// Runs, newest first.
    pub runs: Vec<RunSummary>,
}

/// Selects result values (`db query`, `db export`). Empty fields select all.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ValueFilter {
    /// Compound name or alias (case-insensitive), across studies.
    pub compound: Option<String>,
    /// Cell line name or alias (case-insensitive).
    pub cell_line: Option<String>,
    /// Metric (case-insensitive), e.g. `GI50`.
    pub metric: Option<String>,
    /// Study key.
    pub study: Option<String>,
    /// Experiment kind.
    pub kind: Option<String>,
    /// All runs instead of the latest of each experiment.
    pub all_runs: bool,
}

/// One key number with its context (`db query`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueRow {
    /// Study key.
    pub study: String,
    /// Experiment.
    pub experiment: String,
    /// Kind.
    pub kind: String,
    /// Run id.
    pub run_id: i64,
    /// Time of the run (RFC 3339).
    pub time: String,
    /// Canonical compound name.
    pub compound: Option<String>,
    /// Canonical cell line name.
    pub cell_line: Option<String>,
    /// Result label.
    pub label: Option<String>,
    /// Metric.
    pub metric: String,
    /// Estimate.
    pub value: Option<f64>,
    /// 95 % CI lower bound.
    pub ci_lower: Option<f64>,
    /// 95 % CI upper bound.
    pub ci_upper: Option<f64>,
    /// Unit.
    pub unit: Option<String>,
    /// Flags of the result row (`;`-separated).
    pub flags: String,
}

/// A stored raw row (`db export --observations`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObservationRow {
    /// Run id.
    pub run_id: i64,
    /// Order in the run.
    pub seq: i64,
    /// File.
    pub file: Option<String>,
    /// Line.
    pub line: Option<i64>,
    /// Canonical compound.
    pub compound: Option<String>,
    /// Canonical cell line.
    pub cell_line: Option<String>,
    /// The row.
    pub data: Value,
}

/// The result of a free read-only SQL query: column names and rows of
/// values (text, number or null).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SqlRows {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<Value>>,
}

// ---------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------

/// An open store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

/// The busy timeout of every connection.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

impl Store {
    /// Open (creating if needed) the store at `path`, set WAL, the busy
    /// timeout and foreign keys, and migrate it to [`SCHEMA_VERSION`].
    ///
    /// SQLite does not call the busy handler for every lock conflict while
    /// a connection is being set up (switching a new file to WAL while
    /// another process creates it returns "database is locked" at once), so
    /// the whole setup is retried on a busy / locked error until
    /// [`BUSY_TIMEOUT`] has passed.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let start = std::time::Instant::now();
        loop {
            match Self::open_once(path) {
                Err(StoreError::Open {
                    source: rusqlite::Error::SqliteFailure(e, _),
                    ..
                }) if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && start.elapsed() < BUSY_TIMEOUT =>
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => return other,
            }
        }
    }

    fn open_once(path: &Path) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // journal_mode returns the mode now in force.
        let _mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(open_err)?;
        Self::setup(conn).map_err(|e| match e {
            StoreError::Sql(source) => open_err(source),
            other => other,
        })
    }

    /// A private in-memory store (tests, dry runs).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(conn: Connection) -> Result<Store, StoreError> {
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let mut store = Store { conn };
        store.migrate()?;
        Ok(store)
    }

    /// Apply the missing migrations (one transaction, holding the write lock,
    /// so two processes opening a new store at once migrate it once).
    fn migrate(&mut self) -> Result<(), StoreError> {
        let found: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found == SCHEMA_VERSION {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, step) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            tx.execute_batch(step)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The schema version of the open store.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// `PRAGMA integrity_check`: `["ok"]` for a sound file, else the problems.
    pub fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        let mut st = self.conn.prepare("PRAGMA integrity_check")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Write one run in one transaction (see the module documentation):
    /// upsert the study, its compounds and cell lines and the experiment;
    /// delete a stored run with the same key; insert the run, its inputs,
    /// observations and results. Nothing is written if any step fails.
    pub fn import(&mut self, run: &RunImport) -> Result<ImportOutcome, StoreError> {
        let run_key = run.run_key();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let study_id = upsert_study(&tx, &run.study, run.provenance.time)?;
        let mut compound_ids: BTreeMap<String, i64> = BTreeMap::new();
        for c in &run.study.compounds {
            let id = upsert_compound(&tx, study_id, c)?;
            compound_ids.insert(name_key(&c.name), id);
            for a in &c.aliases {
                compound_ids.insert(name_key(a), id);
            }
        }
        let mut line_ids: BTreeMap<String, i64> = BTreeMap::new();
        for c in &run.study.cell_lines {
            let id = upsert_cell_line(&tx, study_id, c)?;
            line_ids.insert(name_key(&c.name), id);
            for a in &c.aliases {
                line_ids.insert(name_key(a), id);
            }
        }
        let resolve = |map: &BTreeMap<String, i64>,
                       what: &'static str,
                       name: &Option<String>|
         -> Result<Option<i64>, StoreError> {
            match name {
                None => Ok(None),
                Some(n) => match map.get(&name_key(n)) {
                    Some(&id) => Ok(Some(id)),
                    None => Err(StoreError::UnknownReference {
                        study: run.study.key.clone(),
                        experiment: run.experiment.name.clone(),
                        what,
                        name: n.clone(),
                    }),
                },
            }
        };
        tx.execute(
            "INSERT INTO experiments (study_id, name, kind, options_json) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (study_id, name) DO UPDATE SET kind = excluded.kind, options_json = excluded.options_json",
            params![
                study_id,
                run.experiment.name,
                run.experiment.kind,
                serde_json::to_string(&run.experiment.options)?
            ],
        )?;
        let experiment_id: i64 = tx.query_row(
            "SELECT id FROM experiments WHERE study_id = ?1 AND name = ?2",
            params![study_id, run.experiment.name],
            |r| r.get(0),
        )?;
        let replaced = tx.execute("DELETE FROM runs WHERE run_key = ?1", params![run_key])? > 0;
        let p = &run.provenance;
        tx.execute(
            "INSERT INTO runs (run_key, experiment_id, preclin_version, time, time_utc, options_json,
                               seeds_json, n_observations, n_results)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                run_key,
                experiment_id,
                p.preclin_version,
                p.time.0,
                p.time.rfc3339(),
                serde_json::to_string(&p.options)?,
                serde_json::to_string(&p.seeds)?,
                run.observations.len() as i64,
                run.results.len() as i64,
            ],
        )?;
        let run_id = tx.last_insert_rowid();
        {
            let mut ins =
                tx.prepare("INSERT INTO run_inputs (run_id, path, sha256) VALUES (?1, ?2, ?3)")?;
            for f in &p.inputs {
                ins.execute(params![run_id, f.path, f.sha256])?;
            }
            let mut ins = tx.prepare(
                "INSERT INTO observations (run_id, seq, file, line, compound_id, cell_line_id, data_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for (seq, o) in run.observations.iter().enumerate() {
                ins.execute(params![
                    run_id,
                    seq as i64,
                    o.file,
                    o.line.map(|l| l as i64),
                    resolve(&compound_ids, "compound", &o.compound)?,
                    resolve(&line_ids, "cell line", &o.cell_line)?,
                    serde_json::to_string(&o.data)?,
                ])?;
            }
            let mut ins_res = tx.prepare(
                "INSERT INTO results (run_id, seq, compound_id, cell_line_id, label, flags, data_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            let mut ins_val = tx.prepare(
                "INSERT INTO result_values (result_id, metric, value, ci_lower, ci_upper, unit)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (seq, r) in run.results.iter().enumerate() {
                ins_res.execute(params![
                    run_id,
                    seq as i64,
                    resolve(&compound_ids, "compound", &r.compound)?,
                    resolve(&line_ids, "cell line", &r.cell_line)?,
                    r.label,
                    r.flags.join(";"),
                    serde_json::to_string(&r.data)?,
                ])?;
                let result_id = tx.last_insert_rowid();
                for v in &r.values {
                    ins_val.execute(params![
                        result_id,
                        v.metric,
                        finite(v.value),
                        finite(v.ci_lower),
                        finite(v.ci_upper),
                        v.unit
                    ])?;
                }
            }
        }
        tx.commit()?;
        Ok(ImportOutcome {
            run_id,
            run_key,
            replaced,
        })
    }

    /// Every study (`db list`), by key.
    pub fn studies(&self) -> Result<Vec<StudySummary>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT s.key, s.name, s.description,
                (SELECT count(*) FROM compounds c WHERE c.study_id = s.id),
                (SELECT count(*) FROM cell_lines c WHERE c.study_id = s.id),
                (SELECT count(*) FROM experiments e WHERE e.study_id = s.id),
                (SELECT count(*) FROM runs r JOIN experiments e ON r.experiment_id = e.id WHERE e.study_id = s.id),
                (SELECT max(r.time_utc) FROM runs r JOIN experiments e ON r.experiment_id = e.id WHERE e.study_id = s.id)
             FROM studies s ORDER BY s.key",
        )?;
        let rows = st.query_map([], |r| {
            Ok(StudySummary {
                key: r.get(0)?,
                name: r.get(1)?,
                description: r.get(2)?,
                n_compounds: r.get(3)?,
                n_cell_lines: r.get(4)?,
                n_experiments: r.get(5)?,
                n_runs: r.get(6)?,
                last_run: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One study with its compounds, cell lines, experiments and runs
    /// (`db show`).
    pub fn study(&self, key: &str) -> Result<StudyDetail, StoreError> {
        let summary = self
            .studies()?
            .into_iter()
            .find(|s| s.key == key)
            .ok_or_else(|| StoreError::UnknownStudy(key.to_string()))?;
        let study_id: i64 =
            self.conn
                .query_row("SELECT id FROM studies WHERE key = ?1", [key], |r| r.get(0))?;
        let mut st = self.conn.prepare(
            "SELECT c.id, c.name, c.target, c.class, c.molecular_weight FROM compounds c
             WHERE c.study_id = ?1 ORDER BY c.id",
        )?;
        let raw: Vec<(i64, CompoundRecord)> = st
            .query_map([study_id], |r| {
                Ok((
                    r.get(0)?,
                    CompoundRecord {
                        name: r.get(1)?,
                        aliases: Vec::new(),
                        target: r.get(2)?,
                        class: r.get(3)?,
                        molecular_weight: r.get(4)?,
                    },
                ))
            })?
            .collect::<Result<_, _>>()?;
        let mut compounds = Vec::new();
        for (id, mut c) in raw {
            c.aliases = self.aliases("compound_names", "compound_id", id, &c.name)?;
            compounds.push(c);
        }
        let mut st = self.conn.prepare(
            "SELECT id, name, kind, species, kmt2a_fusion, npm1c, flt3_itd, men1, normal FROM cell_lines
             WHERE study_id = ?1 ORDER BY id",
        )?;
        let raw: Vec<(i64, CellLineRecord)> = st
            .query_map([study_id], |r| {
                Ok((
                    r.get(0)?,
                    CellLineRecord {
                        name: r.get(1)?,
                        aliases: Vec::new(),
                        kind: r.get(2)?,
                        species: r.get(3)?,
                        kmt2a_fusion: r.get(4)?,
                        npm1c: r.get(5)?,
                        flt3_itd: r.get(6)?,
                        men1: r.get(7)?,
                        normal: r.get(8)?,
                    },
                ))
            })?
            .collect::<Result<_, _>>()?;
        let mut cell_lines = Vec::new();
        for (id, mut c) in raw {
            c.aliases = self.aliases("cell_line_names", "cell_line_id", id, &c.name)?;
            cell_lines.push(c);
        }
        let mut st = self.conn.prepare(
            "SELECT name, kind, options_json FROM experiments WHERE study_id = ?1 ORDER BY id",
        )?;
        let raw: Vec<(String, String, String)> = st
            .query_map([study_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut experiments = Vec::new();
        for (name, kind, options) in raw {
            experiments.push(ExperimentRecord {
                name,
                kind,
                options: serde_json::from_str(&options)?,
            });
        }
        let runs = self.runs(Some(key))?;
        Ok(StudyDetail {
            summary,
            compounds,
            cell_lines,
            experiments,
            runs,
        })
    }

    fn aliases(
        &self,
        table: &str,
        column: &str,
        id: i64,
        name: &str,
    ) -> Result<Vec<String>, StoreError> {
        let sql = format!("SELECT alias FROM {table} WHERE {column} = ?1 ORDER BY rowid");
        let mut st = self.conn.prepare(&sql)?;
        let all: Vec<String> = st
            .query_map([id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(all.into_iter().filter(|a| a != name).collect())
    }

    /// Runs, newest first; of one study when `study` is given.
    pub fn runs(&self, study: Option<&str>) -> Result<Vec<RunSummary>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT r.id, r.run_key, s.key, e.name, e.kind, r.preclin_version, r.time_utc,
                    r.n_observations, r.n_results, r.seeds_json
             FROM runs r JOIN experiments e ON r.experiment_id = e.id JOIN studies s ON e.study_id = s.id
             WHERE ?1 IS NULL OR s.key = ?1
             ORDER BY r.id DESC",
        )?;
        let raw: Vec<(RunSummary, String)> = st
            .query_map([study], |r| {
                Ok((
                    RunSummary {
                        id: r.get(0)?,
                        run_key: r.get(1)?,
                        study: r.get(2)?,
                        experiment: r.get(3)?,
                        kind: r.get(4)?,
                        preclin_version: r.get(5)?,
                        time: r.get(6)?,
                        n_observations: r.get(7)?,
                        n_results: r.get(8)?,
                        inputs: Vec::new(),
                        seeds: BTreeMap::new(),
                    },
                    r.get(9)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        let mut inputs = self
            .conn
            .prepare("SELECT path, sha256 FROM run_inputs WHERE run_id = ?1 ORDER BY path")?;
        let mut out = Vec::new();
        for (mut run, seeds) in raw {
            run.seeds = serde_json::from_str(&seeds)?;
            run.inputs = inputs
                .query_map([run.id], |r| {
                    Ok(InputFile {
                        path: r.get(0)?,
                        sha256: r.get(1)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            out.push(run);
        }
        Ok(out)
    }

    /// Key numbers matching `filter` (`db query` / `db export`), ordered by
    /// compound, cell line, metric, study, experiment, run and row. A
    /// compound or cell line is matched by name or alias, case-insensitively,
    /// in every study — e.g. every GI50 of MI-503 across studies and lines:
    /// `ValueFilter { compound: Some("mi503".into()), metric: Some("GI50".into()), .. }`.
    pub fn values(&self, filter: &ValueFilter) -> Result<Vec<ValueRow>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT s.key, e.name, e.kind, r.id, r.time_utc, c.name, l.name, res.label,
                    v.metric, v.value, v.ci_lower, v.ci_upper, v.unit, res.flags
             FROM result_values v
             JOIN results res ON v.result_id = res.id
             JOIN runs r ON res.run_id = r.id
             JOIN experiments e ON r.experiment_id = e.id
             JOIN studies s ON e.study_id = s.id
             LEFT JOIN compounds c ON res.compound_id = c.id
             LEFT JOIN cell_lines l ON res.cell_line_id = l.id
             WHERE (?1 IS NULL OR res.compound_id IN
                        (SELECT compound_id FROM compound_names WHERE name_key = ?1))
               AND (?2 IS NULL OR res.cell_line_id IN
                        (SELECT cell_line_id FROM cell_line_names WHERE name_key = ?2))
               AND (?3 IS NULL OR v.metric = ?3 COLLATE NOCASE)
               AND (?4 IS NULL OR s.key = ?4)
               AND (?5 IS NULL OR e.kind = ?5)
               AND (?6 OR r.id = (SELECT max(r2.id) FROM runs r2 WHERE r2.experiment_id = r.experiment_id))
             ORDER BY c.name, l.name, v.metric, s.key, e.name, r.id, res.seq",
        )?;
        let rows = st.query_map(
            params![
                filter.compound.as_deref().map(name_key),
                filter.cell_line.as_deref().map(name_key),
                filter.metric,
                filter.study,
                filter.kind,
                filter.all_runs,
            ],
            |r| {
                Ok(ValueRow {
                    study: r.get(0)?,
                    experiment: r.get(1)?,
                    kind: r.get(2)?,
                    run_id: r.get(3)?,
                    time: r.get(4)?,
                    compound: r.get(5)?,
                    cell_line: r.get(6)?,
                    label: r.get(7)?,
                    metric: r.get(8)?,
                    value: r.get(9)?,
                    ci_lower: r.get(10)?,
                    ci_upper: r.get(11)?,
                    unit: r.get(12)?,
                    flags: r.get(13)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The raw rows of a run, in input order.
    pub fn observations(&self, run_id: i64) -> Result<Vec<ObservationRow>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT o.run_id, o.seq, o.file, o.line, c.name, l.name, o.data_json
             FROM observations o
             LEFT JOIN compounds c ON o.compound_id = c.id
             LEFT JOIN cell_lines l ON o.cell_line_id = l.id
             WHERE o.run_id = ?1 ORDER BY o.seq",
        )?;
        let raw: Vec<(ObservationRow, String)> = st
            .query_map([run_id], |r| {
                Ok((
                    ObservationRow {
                        run_id: r.get(0)?,
                        seq: r.get(1)?,
                        file: r.get(2)?,
                        line: r.get(3)?,
                        compound: r.get(4)?,
                        cell_line: r.get(5)?,
                        data: Value::Null,
                    },
                    r.get(6)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        raw.into_iter()
            .map(|(mut o, d)| {
                o.data = serde_json::from_str(&d)?;
                Ok(o)
            })
            .collect()
    }

    /// A free read-only SQL query (`db query --sql`): refused unless SQLite
    /// reports the statement read-only.
    pub fn query_sql(&self, sql: &str) -> Result<SqlRows, StoreError> {
        let mut st = self.conn.prepare(sql)?;
        if !st.readonly() {
            return Err(StoreError::Refused(
                "only read-only statements (SELECT …) are allowed".to_string(),
            ));
        }
        let columns: Vec<String> = st.column_names().map(|s| s.to_string()).collect();
        let n = columns.len();
        let mut rows = Vec::new();
        let mut q = st.query([])?;
        while let Some(r) = q.next()? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                use rusqlite::types::ValueRef;
                row.push(match r.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(x) => Value::from(x),
                    ValueRef::Real(x) => {
                        serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
                    }
                    ValueRef::Text(t) => Value::from(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::from(format!("<{} bytes>", b.len())),
                });
            }
            rows.push(row);
        }
        Ok(SqlRows { columns, rows })
    }

    /// The number of rows in `table` (one of the schema's tables).
    pub fn count(&self, table: &str) -> Result<i64, StoreError> {
        const TABLES: &[&str] = &[
            "studies",
            "compounds",
            "compound_names",
            "cell_lines",
            "cell_line_names",
            "experiments",
            "runs",
            "run_inputs",
            "observations",
            "results",
            "result_values",
        ];
        if !TABLES.contains(&table) {
            return Err(StoreError::Refused(format!("no table '{table}'")));
        }
        Ok(self
            .conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
    }

    /// Runs whose stored row counts differ from their `n_observations` /
    /// `n_results` — empty in a consistent store (used by the kill test).
    pub fn incomplete_runs(&self) -> Result<Vec<i64>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT r.id FROM runs r
             WHERE r.n_observations != (SELECT count(*) FROM observations o WHERE o.run_id = r.id)
                OR r.n_results != (SELECT count(*) FROM results x WHERE x.run_id = r.id)
             ORDER BY r.id",
        )?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A non-finite number is not stored (it does not exist): `None`.
fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

fn upsert_study(
    tx: &rusqlite::Transaction<'_>,
    s: &StudyRecord,
    time: Timestamp,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO studies (key, name, description, manifest_sha256, updated) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (key) DO UPDATE SET name = excluded.name, description = excluded.description,
             manifest_sha256 = excluded.manifest_sha256, updated = excluded.updated",
        params![s.key, s.name, s.description, s.manifest_sha256, time.0],
    )?;
    Ok(
        tx.query_row("SELECT id FROM studies WHERE key = ?1", [&s.key], |r| {
            r.get(0)
        })?,
    )
}

fn replace_names(
    tx: &rusqlite::Transaction<'_>,
    table: &str,
    column: &str,
    id: i64,
    name: &str,
    aliases: &[String],
) -> Result<(), StoreError> {
    tx.execute(&format!("DELETE FROM {table} WHERE {column} = ?1"), [id])?;
    let sql =
        format!("INSERT OR IGNORE INTO {table} ({column}, name_key, alias) VALUES (?1, ?2, ?3)");
    let mut st = tx.prepare(&sql)?;
    for n in std::iter::once(name).chain(aliases.iter().map(String::as_str)) {
        st.execute(params![id, name_key(n), n])?;
    }
    Ok(())
}

fn upsert_compound(
    tx: &rusqlite::Transaction<'_>,
    study_id: i64,
    c: &CompoundRecord,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO compounds (study_id, name, target, class, molecular_weight) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (study_id, name) DO UPDATE SET target = excluded.target, class = excluded.class,
             molecular_weight = excluded.molecular_weight",
        params![study_id, c.name, c.target, c.class, c.molecular_weight],
    )?;
    let id: i64 = tx.query_row(
        "SELECT id FROM compounds WHERE study_id = ?1 AND name = ?2",
        params![study_id, c.name],
        |r| r.get(0),
    )?;
    replace_names(tx, "compound_names", "compound_id", id, &c.name, &c.aliases)?;
    Ok(id)
}

fn upsert_cell_line(
    tx: &rusqlite::Transaction<'_>,
    study_id: i64,
    c: &CellLineRecord,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO cell_lines (study_id, name, kind, species, kmt2a_fusion, npm1c, flt3_itd, men1, normal)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (study_id, name) DO UPDATE SET kind = excluded.kind, species = excluded.species,
             kmt2a_fusion = excluded.kmt2a_fusion, npm1c = excluded.npm1c, flt3_itd = excluded.flt3_itd,
             men1 = excluded.men1, normal = excluded.normal",
        params![
            study_id,
            c.name,
            c.kind,
            c.species,
            c.kmt2a_fusion,
            c.npm1c,
            c.flt3_itd,
            c.men1,
            c.normal
        ],
    )?;
    let id: i64 = tx.query_row(
        "SELECT id FROM cell_lines WHERE study_id = ?1 AND name = ?2",
        params![study_id, c.name],
        |r| r.get(0),
    )?;
    replace_names(
        tx,
        "cell_line_names",
        "cell_line_id",
        id,
        &c.name,
        &c.aliases,
    )?;
    Ok(id)
}
