//! Errors of the FCS reader and writer.
//!
//! Every variant that concerns the file's contents names the keyword (or the
//! segment) at fault and the **absolute byte offset** in the file where it
//! was found, so that a user can open the file in a hex editor and see the
//! problem.

/// An error raised while reading or writing an FCS file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FcsError {
    /// The file could not be opened, mapped or written.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The HEADER segment is missing or malformed.
    #[error("HEADER at byte {offset}: {message}")]
    Header {
        /// Absolute byte offset of the faulty field.
        offset: usize,
        /// What is wrong.
        message: String,
    },
    /// The TEXT segment cannot be split into keyword/value pairs.
    #[error("TEXT segment at byte {offset}: {message}")]
    Text {
        /// Absolute byte offset of the problem.
        offset: usize,
        /// What is wrong.
        message: String,
    },
    /// A required keyword is absent.
    #[error("required keyword {keyword} is missing (TEXT segment at byte {offset})")]
    MissingKeyword {
        /// The keyword, e.g. `$TOT`.
        keyword: String,
        /// Absolute byte offset of the TEXT segment searched.
        offset: usize,
    },
    /// A keyword's value cannot be interpreted.
    #[error("keyword {keyword} at byte {offset}: value '{value}' {message}")]
    BadKeyword {
        /// The keyword, e.g. `$P3B`.
        keyword: String,
        /// Its value as found in the file.
        value: String,
        /// Absolute byte offset of the keyword in the file.
        offset: usize,
        /// What is wrong, e.g. "is not a number".
        message: String,
    },
    /// Segment offsets, lengths and keywords contradict each other in a way
    /// that cannot be repaired safely.
    #[error("inconsistent file: {keyword} at byte {offset}: {message}")]
    Inconsistent {
        /// The keyword (or HEADER field) judged wrong, e.g. `$ENDDATA`.
        keyword: String,
        /// Absolute byte offset of that keyword or field.
        offset: usize,
        /// What contradicts what.
        message: String,
    },
    /// A valid but unsupported feature.
    #[error("unsupported: {keyword} at byte {offset}: {message}")]
    Unsupported {
        /// The keyword, e.g. `$MODE`.
        keyword: String,
        /// Absolute byte offset of the keyword.
        offset: usize,
        /// What is not supported.
        message: String,
    },
    /// The data set asked for does not exist.
    #[error("data set {index} does not exist (the file has {count})")]
    NoSuchDataSet {
        /// 0-based index asked for.
        index: usize,
        /// Number of data sets in the file.
        count: usize,
    },
    /// The writer was given inconsistent input.
    #[error("cannot write FCS: {0}")]
    Write(String),
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, FcsError>;
