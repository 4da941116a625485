//! Writing FCS 3.1 files (list mode, one data set, float32 or unsigned
//! integer data).
//!
//! Layout: HEADER (58 bytes) → TEXT from byte 58 → DATA right after TEXT; no
//! ANALYSIS, no supplemental TEXT. Every keyword FCS 3.1 requires is written
//! (`$BEGINANALYSIS … $ENDSTEXT`, `$BYTEORD`, `$DATATYPE`, `$MODE`,
//! `$NEXTDATA`, `$PAR`, `$TOT`, `$PnB`, `$PnE`, `$PnN`, `$PnR`) plus `$PnS`
//! labels and extra keywords given by the caller. Segments beyond byte
//! 99,999,999 get `0` offsets in the HEADER, as FCS 3.1 §3.1 prescribes.
//!
//! The delimiter is the first of `/ | \ ! ~ ^` that occurs in no keyword
//! or value, so that no escaping is needed; if all occur, `/` is used and
//! doubled inside keywords and values.
//!
//! **Round trip:** reading the file back with [`crate::FcsFile`] gives the
//! same keywords and the same stored values — bit for bit with
//! [`Storage::Float32`] when the values are f32 numbers (others are rounded
//! to the nearest f32), and exactly with [`Storage::Integer`] (which
//! refuses values that are not whole numbers in range).

use std::path::Path;

use crate::error::{FcsError, Result};
use crate::header::HEADER_LEN;

/// Width of integer storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntWidth {
    /// 16 bits (values 0…65,535).
    U16,
    /// 32 bits (values 0…4,294,967,295).
    U32,
}

/// How values are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// `$DATATYPE F`, 32 bits.
    Float32,
    /// `$DATATYPE I` of the given width.
    Integer(IntWidth),
}

/// Builder of one FCS 3.1 data set.
#[derive(Debug, Clone)]
pub struct FcsWriter {
    names: Vec<String>,
    labels: Vec<Option<String>>,
    ranges: Vec<Option<f64>>,
    columns: Vec<Vec<f64>>,
    keywords: Vec<(String, String)>,
    big_endian: bool,
}

const RESERVED: [&str; 14] = [
    "$BEGINANALYSIS",
    "$BEGINDATA",
    "$BEGINSTEXT",
    "$BYTEORD",
    "$DATATYPE",
    "$ENDANALYSIS",
    "$ENDDATA",
    "$ENDSTEXT",
    "$MODE",
    "$NEXTDATA",
    "$PAR",
    "$TOT",
    "$TIMESTEP_RESERVED_NEVER",
    "$FIL_RESERVED_NEVER",
];

fn is_reserved(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    if RESERVED[..12].contains(&k.as_str()) {
        return true;
    }
    // $PnB, $PnE, $PnN, $PnR, $PnS are written from the builder's fields.
    if let Some(rest) = k.strip_prefix("$P") {
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits > 0 && matches!(&rest[digits..], "B" | "E" | "N" | "R" | "S" | "DATATYPE") {
            return true;
        }
    }
    false
}

impl FcsWriter {
    /// A data set with parameters `names` (`$PnN`) and one column of events
    /// per parameter.
    pub fn new(names: &[&str], columns: Vec<Vec<f64>>) -> Result<FcsWriter> {
        if names.len() != columns.len() {
            return Err(FcsError::Write(format!(
                "{} names for {} columns",
                names.len(),
                columns.len()
            )));
        }
        let n = columns.first().map_or(0, Vec::len);
        if columns.iter().any(|c| c.len() != n) {
            return Err(FcsError::Write("columns of different lengths".into()));
        }
        for (i, name) in names.iter().enumerate() {
            if name.trim().is_empty() || name.contains(',') {
                return Err(FcsError::Write(format!(
                    "parameter {} name {name:?} is empty or contains a comma",
                    i + 1
                )));
            }
            if names[..i].contains(name) {
                return Err(FcsError::Write(format!(
                    "parameter name {name:?} is repeated"
                )));
            }
        }
        Ok(FcsWriter {
            names: names.iter().map(|s| s.to_string()).collect(),
            labels: vec![None; names.len()],
            ranges: vec![None; names.len()],
            columns,
            keywords: Vec::new(),
            big_endian: false,
        })
    }

    /// Sets `$PnS` of parameter `j` (0-based).
    pub fn label(mut self, j: usize, label: &str) -> FcsWriter {
        if j < self.labels.len() && !label.is_empty() {
            self.labels[j] = Some(label.to_string());
        }
        self
    }

    /// Sets `$PnR` of parameter `j` (0-based). Default: 262,144 for float
    /// data, 2^bits for integer data.
    pub fn range(mut self, j: usize, range: f64) -> FcsWriter {
        if j < self.ranges.len() {
            self.ranges[j] = Some(range);
        }
        self
    }

    /// Adds a keyword (e.g. `$CYT`, `$SPILLOVER`, `$TIMESTEP`, or a vendor
    /// keyword). Keywords the writer computes itself are refused.
    pub fn keyword(mut self, key: &str, value: &str) -> Result<FcsWriter> {
        if key.trim().is_empty() || value.is_empty() {
            return Err(FcsError::Write(format!(
                "keyword {key:?} or its value is empty (FCS 3.1 forbids empty values)"
            )));
        }
        if is_reserved(key) {
            return Err(FcsError::Write(format!(
                "keyword {key} is written by the writer itself"
            )));
        }
        if self
            .keywords
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(key))
        {
            return Err(FcsError::Write(format!("keyword {key} given twice")));
        }
        self.keywords.push((key.to_string(), value.to_string()));
        Ok(self)
    }

    /// Writes big-endian data (`$BYTEORD 4,3,2,1`) instead of little-endian.
    pub fn big_endian(mut self, yes: bool) -> FcsWriter {
        self.big_endian = yes;
        self
    }

    fn text_pairs(&self, storage: Storage, begin: u64, end: u64) -> Vec<(String, String)> {
        let (dt, bits) = match storage {
            Storage::Float32 => ("F", 32),
            Storage::Integer(IntWidth::U16) => ("I", 16),
            Storage::Integer(IntWidth::U32) => ("I", 32),
        };
        let width = bits / 8;
        let order = if self.big_endian {
            (1..=width).rev().map(|i| i.to_string()).collect::<Vec<_>>()
        } else {
            (1..=width).map(|i| i.to_string()).collect::<Vec<_>>()
        };
        let n = self.columns.first().map_or(0, Vec::len);
        let mut v: Vec<(String, String)> = vec![
            ("$BEGINANALYSIS".into(), "0".into()),
            ("$ENDANALYSIS".into(), "0".into()),
            ("$BEGINSTEXT".into(), "0".into()),
            ("$ENDSTEXT".into(), "0".into()),
            ("$BEGINDATA".into(), begin.to_string()),
            ("$ENDDATA".into(), end.to_string()),
            ("$BYTEORD".into(), order.join(",")),
            ("$DATATYPE".into(), dt.into()),
            ("$MODE".into(), "L".into()),
            ("$NEXTDATA".into(), "0".into()),
            ("$PAR".into(), self.names.len().to_string()),
            ("$TOT".into(), n.to_string()),
        ];
        for (j, name) in self.names.iter().enumerate() {
            let k = j + 1;
            let range = self.ranges[j].unwrap_or(match storage {
                Storage::Float32 => 262_144.0,
                Storage::Integer(_) => 2f64.powi(bits),
            });
            v.push((format!("$P{k}N"), name.clone()));
            if let Some(l) = &self.labels[j] {
                v.push((format!("$P{k}S"), l.clone()));
            }
            v.push((format!("$P{k}B"), bits.to_string()));
            v.push((format!("$P{k}E"), "0,0".into()));
            v.push((format!("$P{k}R"), fmt_num(range)));
        }
        v.extend(self.keywords.iter().cloned());
        v
    }

    fn data_bytes(&self, storage: Storage) -> Result<Vec<u8>> {
        let n = self.columns.first().map_or(0, Vec::len);
        let p = self.columns.len();
        let width = match storage {
            Storage::Float32 => 4,
            Storage::Integer(IntWidth::U16) => 2,
            Storage::Integer(IntWidth::U32) => 4,
        };
        let mut out = Vec::with_capacity(n * p * width);
        for i in 0..n {
            for (j, col) in self.columns.iter().enumerate() {
                let v = col[i];
                match storage {
                    Storage::Float32 => {
                        if !v.is_finite() {
                            return Err(FcsError::Write(format!(
                                "event {}, parameter {}: value {v} is not finite",
                                i + 1,
                                j + 1
                            )));
                        }
                        let f = v as f32;
                        out.extend_from_slice(&if self.big_endian {
                            f.to_be_bytes()
                        } else {
                            f.to_le_bytes()
                        });
                    }
                    Storage::Integer(w) => {
                        let max = match w {
                            IntWidth::U16 => u16::MAX as f64,
                            IntWidth::U32 => u32::MAX as f64,
                        };
                        if !(v >= 0.0 && v <= max && v.fract() == 0.0) {
                            return Err(FcsError::Write(format!(
                                "event {}, parameter {}: value {v} is not a whole number in 0…{max}",
                                i + 1,
                                j + 1
                            )));
                        }
                        match w {
                            IntWidth::U16 => {
                                let x = v as u16;
                                out.extend_from_slice(&if self.big_endian {
                                    x.to_be_bytes()
                                } else {
                                    x.to_le_bytes()
                                });
                            }
                            IntWidth::U32 => {
                                let x = v as u32;
                                out.extend_from_slice(&if self.big_endian {
                                    x.to_be_bytes()
                                } else {
                                    x.to_le_bytes()
                                });
                            }
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// The file as bytes.
    pub fn to_bytes(&self, storage: Storage) -> Result<Vec<u8>> {
        let data = self.data_bytes(storage)?;
        let text_start = HEADER_LEN as u64;
        let mut begin = 0u64;
        let mut end = 0u64;
        let mut text = Vec::new();
        for _ in 0..8 {
            let pairs = self.text_pairs(storage, begin, end);
            text = encode_text(&pairs);
            let text_end = text_start + text.len() as u64 - 1;
            let (nb, ne) = if data.is_empty() {
                (0, 0)
            } else {
                (text_end + 1, text_end + data.len() as u64)
            };
            if (nb, ne) == (begin, end) {
                break;
            }
            begin = nb;
            end = ne;
        }
        let text_end = text_start + text.len() as u64 - 1;
        let mut out = Vec::with_capacity(HEADER_LEN + text.len() + data.len());
        out.extend_from_slice(b"FCS3.1    ");
        let field = |v: u64| -> String { format!("{v:>8}") };
        let (hs, he) = if text_end > 99_999_999 {
            (0, 0)
        } else {
            (text_start, text_end)
        };
        let (ds, de) = if end > 99_999_999 {
            (0, 0)
        } else {
            (begin, end)
        };
        for v in [hs, he, ds, de, 0, 0] {
            out.extend_from_slice(field(v).as_bytes());
        }
        debug_assert_eq!(out.len(), HEADER_LEN);
        out.extend_from_slice(&text);
        out.extend_from_slice(&data);
        Ok(out)
    }

    /// Writes the file to `path`.
    pub fn write(&self, path: impl AsRef<Path>, storage: Storage) -> Result<()> {
        let bytes = self.to_bytes(storage)?;
        std::fs::write(path, bytes)?;
        Ok(())
    }
}

/// Shortest text that reads back to the same f64 (integers without ".0").
fn fmt_num(v: f64) -> String {
    let s = format!("{v}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// TEXT bytes for `pairs` with a delimiter that needs no escaping when
/// possible.
fn encode_text(pairs: &[(String, String)]) -> Vec<u8> {
    let candidates = [b'/', b'|', b'\\', b'!', b'~', b'^'];
    let delim = candidates
        .iter()
        .copied()
        .find(|d| {
            pairs
                .iter()
                .all(|(k, v)| !k.as_bytes().contains(d) && !v.as_bytes().contains(d))
        })
        .unwrap_or(b'/');
    let mut t = vec![delim];
    for (k, v) in pairs {
        for s in [k, v] {
            for &b in s.as_bytes() {
                t.push(b);
                if b == delim {
                    t.push(b);
                }
            }
            t.push(delim);
        }
    }
    t
}
