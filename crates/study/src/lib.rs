//! preclin study: one study, one command.
//!
//! - [`manifest`]: the `study.toml` manifest (study metadata, compounds,
//!   cell lines / models, experiments with their files and engine options),
//!   parsed with spans so that every error names a line and column.
//! - [`store`]: the embedded SQLite store (studies, compounds, cell lines,
//!   experiments, observations, results, runs with provenance), with
//!   migrations, transactional idempotent imports and typed queries.
//! - [`reference`]: the bundled reference compound table (published
//!   potencies, in vivo outcomes and resistance), searchable, extendable with
//!   the user's rows, and the rule that sets a measured potency beside it.
//! - [`summary`]: the whole-study report assembled from the runs, QC facts and
//!   the reference table (rendered by `preclin_report::study`).
//!
//! - [`plan`]: experiment planning by simulation — power (mice per group,
//!   replicates) of a design with the study's own analysis.
//!
//! The pipeline that runs every experiment through its engine is built on
//! these (issue 7).

pub mod manifest;
pub mod plan;
pub mod provenance;
pub mod reference;
pub mod store;
pub mod summary;

pub use manifest::{Manifest, ManifestError};
