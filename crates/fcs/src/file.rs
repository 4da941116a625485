//! Opening a file: memory-mapped (or owned) bytes plus its data sets.

use std::path::Path;

use crate::decode::{Events, Sample, decode};
use crate::error::{FcsError, Result};
use crate::reader::{DataSet, parse_datasets};
use crate::scale::scale_in_place;

enum Source {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

/// An FCS file: its bytes (memory-mapped when opened from a path) and its
/// data sets.
///
/// ```
/// use preclin_fcs::{FcsFile, write::{FcsWriter, IntWidth, Storage}};
/// let bytes = FcsWriter::new(&["FSC-A", "CD34"], vec![vec![1.0, 2.0], vec![3.0, 4.5]])
///     .unwrap()
///     .to_bytes(Storage::Float32)
///     .unwrap();
/// let f = FcsFile::from_bytes(bytes).unwrap();
/// let ev = f.events::<f64>(0).unwrap();
/// assert_eq!(ev.column(1), &[3.0, 4.5]);
/// # let _ = IntWidth::U16;
/// ```
pub struct FcsFile {
    source: Source,
    datasets: Vec<DataSet>,
}

impl std::fmt::Debug for FcsFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FcsFile")
            .field("bytes", &self.bytes().len())
            .field("datasets", &self.datasets)
            .finish()
    }
}

impl FcsFile {
    /// Opens and memory-maps `path`, then reads the HEADER and TEXT of every
    /// data set (DATA is decoded on demand by [`FcsFile::events`]).
    pub fn open(path: impl AsRef<Path>) -> Result<FcsFile> {
        let file = std::fs::File::open(path.as_ref())?;
        let len = file.metadata()?.len();
        if len == 0 {
            return Err(FcsError::Header {
                offset: 0,
                message: "the file is empty".into(),
            });
        }
        // The map is pre-faulted (MAP_POPULATE on Linux): one system call
        // instead of a page fault per 4 KiB page on first access.
        // SAFETY: the map is read-only and private to this process. Like
        // every memory-mapped reader, it assumes the file is not truncated
        // or rewritten by another process while it is open (that would be a
        // bus error, not memory unsafety in Rust code we control); FCS files
        // are written once by the instrument.
        #[allow(unsafe_code)]
        let map = unsafe { memmap2::MmapOptions::new().populate().map(&file)? };
        let datasets = parse_datasets(&map)?;
        Ok(FcsFile {
            source: Source::Mapped(map),
            datasets,
        })
    }

    /// Reads a file held in memory.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<FcsFile> {
        let datasets = parse_datasets(&bytes)?;
        Ok(FcsFile {
            source: Source::Owned(bytes),
            datasets,
        })
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        match &self.source {
            Source::Mapped(m) => m,
            Source::Owned(v) => v,
        }
    }

    /// Every data set, in file order.
    pub fn datasets(&self) -> &[DataSet] {
        &self.datasets
    }

    /// Data set `index` (0-based).
    pub fn dataset(&self, index: usize) -> Result<&DataSet> {
        self.datasets.get(index).ok_or(FcsError::NoSuchDataSet {
            index,
            count: self.datasets.len(),
        })
    }

    /// The stored values of data set `index`, as f64 or f32.
    pub fn events<T: Sample>(&self, index: usize) -> Result<Events<T>> {
        decode(self.bytes(), self.dataset(index)?)
    }

    /// The scale values of data set `index` (`$PnE`, `$PnG`, `$TIMESTEP`
    /// applied; see [`crate::scale`]).
    pub fn scaled_events(&self, index: usize) -> Result<Events<f64>> {
        let ds = self.dataset(index)?;
        let mut ev = decode::<f64>(self.bytes(), ds)?;
        scale_in_place(ds, &mut ev);
        Ok(ev)
    }

    /// The ANALYSIS segment of data set `index`, if any.
    pub fn analysis(&self, index: usize) -> Result<Option<&[u8]>> {
        let ds = self.dataset(index)?;
        Ok(ds.analysis.map(|s| s.slice(self.bytes())))
    }
}
