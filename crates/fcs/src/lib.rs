//! # preclin-fcs — the Flow Cytometry Standard file format
//!
//! What this crate **is**: a reader for FCS 2.0, 3.0, 3.1 and 3.2 files
//! (HEADER, primary and supplemental TEXT, DATA, ANALYSIS, every data set of
//! a multi-data-set file) and a writer for FCS 3.1. It resolves byte order
//! and bit widths once, into a column-major event matrix ([`Events`]), and
//! repairs the common vendor offset faults — reporting each repair — while
//! refusing files that are truly inconsistent with an error naming the
//! keyword and its byte offset ([`FcsError`]).
//!
//! What it **is not**: it knows nothing of compensation, transforms or gates
//! (that is `preclin-flow`); it only *reads* the spillover keywords
//! ([`spill`]).
//!
//! | module | owns |
//! |---|---|
//! | [`header`] | the HEADER segment |
//! | [`text`] | TEXT keyword/value pairs (delimiters, escapes, case-insensitive look-up) |
//! | [`meta`] | `$DATATYPE`, `$BYTEORD`, parameters (`$PnN/S/B/R/E/G`, `$PnDATATYPE`) |
//! | [`reader`] | data sets, `$NEXTDATA`, DATA offset resolution and repairs |
//! | [`decode`] | DATA → [`Events`] (I of any width incl. packed, F, D, A) |
//! | [`scale`] | stored → scale values (`$PnE`, `$PnG`, `$TIMESTEP`) |
//! | [`spill`] | `$SPILLOVER` / `SPILL` / `$COMP` and their vendor variants |
//! | [`write`] | FCS 3.1 writer (float32, integer) |
//!
//! Sources: the FCS 3.1 standard as quoted by FlowIO, flowCore and FlowKit
//! (see `shared/notes/flow.md` in the project) — offsets inclusive,
//! `$PnE f1,f2` decoding `10^(f1·x/$PnR)·f2` — and the vendor faults
//! catalogued there (FlowIO #22/#25, FlowKit #65/#66/#136, flowCore #198/#262).
//!
//! ```
//! use preclin_fcs::write::{FcsWriter, Storage, IntWidth};
//! use preclin_fcs::FcsFile;
//! let w = FcsWriter::new(&["FSC-H", "CD11b"], vec![vec![10.0, 20.0], vec![300.0, 4000.0]])?
//!     .keyword("$CYT", "simulated")?;
//! let f = FcsFile::from_bytes(w.to_bytes(Storage::Integer(IntWidth::U16))?)?;
//! let ds = f.dataset(0)?;
//! assert_eq!(ds.version(), "FCS3.1");
//! assert_eq!(ds.n_events, 2);
//! assert_eq!(ds.keywords.get("$cyt"), Some("simulated"));
//! assert_eq!(f.events::<f32>(0)?.column(1), &[300.0, 4000.0]);
//! # Ok::<(), preclin_fcs::FcsError>(())
//! ```

pub mod decode;
pub mod error;
mod file;
pub mod header;
pub mod meta;
pub mod reader;
pub mod scale;
pub mod spill;
pub mod text;
pub mod write;

pub use decode::{Events, Sample};
pub use error::{FcsError, Result};
pub use file::FcsFile;
pub use meta::{ByteOrder, DataType, LogScale, Parameter};
pub use reader::{DataSet, Layout, Notice, Segment, parse_datasets};
pub use spill::{SpillLookup, Spillover};
