//! preclin virtual lab: a mechanistic simulator of the menin-inhibitor
//! workflow.
//!
//! Drug exposure (pharmacokinetics) → fractional menin occupancy →
//! HOXA9 / MEIS1 program → proliferation and differentiation of leukaemic
//! cells → cell and tumour populations, including clones carrying MEN1
//! resistance mutations. Readouts are written in the file formats the
//! project's importers read.
//!
//! This crate never calls an analysis: planning, which simulates and then
//! analyses many times, lives in `study`.

pub mod dynamics;

pub mod calibration;
pub mod culture;
pub mod kinetics;
pub mod mechanism;
pub mod params;
pub mod readouts;
pub mod scenario;

/// Errors of the simulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// A name not in the parameter file.
    #[error("unknown {0} '{1}' (not in the parameter file)")]
    Unknown(&'static str, String),
    /// The parameter file is invalid.
    #[error(transparent)]
    Params(#[from] params::ParamsError),
    /// A scenario name not bundled.
    #[error("unknown scenario '{0}' (see `preclin simulate --list`)")]
    UnknownScenario(String),
    /// Writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// An instrument-file writer refused the data.
    #[error("{0}")]
    Writer(String),
}
