//! Errors of the flow crate.

/// An error raised while reading gating definitions, compensating or
/// gating.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// The FCS file could not be read.
    #[error(transparent)]
    Fcs(#[from] preclin_fcs::FcsError),
    /// The XML is not well formed.
    #[error("XML error: {0}")]
    Xml(String),
    /// A Gating-ML element is malformed; `line` is 1-based.
    #[error("Gating-ML line {line}: <{element}>{}: {message}", .id.as_ref().map(|i| format!(" id '{i}'")).unwrap_or_default())]
    GatingMl {
        /// Element name (local part).
        element: String,
        /// The id of the gate or transform, when known.
        id: Option<String>,
        /// 1-based line of the element.
        line: u32,
        /// What is wrong.
        message: String,
    },
    /// A reference to a gate, transformation or matrix that does not exist.
    #[error("{what} '{id}' referenced by '{by}' is not defined")]
    UnknownReference {
        /// "gate", "transformation", "spectrum matrix" or "divider".
        what: &'static str,
        /// The missing id.
        id: String,
        /// The referring gate / transform.
        by: String,
    },
    /// A dimension names a channel the data do not have.
    #[error("gate '{gate}': no channel '{name}' in the {space} data (channels: {})", .available.join(", "))]
    UnknownChannel {
        /// The gate.
        gate: String,
        /// The channel asked for.
        name: String,
        /// "uncompensated", "FCS-compensated" or the matrix id.
        space: String,
        /// The channels present.
        available: Vec<String>,
    },
    /// Gates refer to each other in a cycle.
    #[error("gate '{0}' depends on itself (through parent_id or boolean references)")]
    Cycle(String),
    /// A matrix cannot be used.
    #[error("matrix '{id}': {message}")]
    Matrix {
        /// Matrix id or source.
        id: String,
        /// What is wrong (singular, wrong shape, unknown channel…).
        message: String,
    },
    /// A spillover / compensation matrix file cannot be read; `line` is
    /// 1-based.
    #[error("matrix file line {line}: {message}")]
    MatrixFile {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A FlowJo workspace cannot be read.
    #[error("FlowJo workspace line {line}: {message}")]
    Workspace {
        /// 1-based line.
        line: u32,
        /// What is wrong.
        message: String,
    },
    /// Invalid analysis input (e.g. an empty control).
    #[error("{0}")]
    Invalid(String),
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, FlowError>;
