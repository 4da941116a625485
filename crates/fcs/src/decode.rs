//! Decoding DATA into a column-major event matrix.
//!
//! Values are decoded once, byte order and bit widths resolved on the way,
//! into one contiguous buffer holding column after column
//! ([`Events::column`]). These are the **stored** values (integers masked
//! by `$PnR`, see [`Parameter::int_mask`]); [`crate::scale`] applies `$PnE`,
//! `$PnG` and `$TIMESTEP`.
//!
//! Binary data are decoded in blocks of events (each block's rows stay in
//! cache while every column is filled), in parallel over blocks.

use rayon::prelude::*;

use crate::error::{FcsError, Result};
use crate::meta::{ByteOrder, DataType, Parameter};
use crate::reader::{DataSet, Layout};

/// A numeric type events can be decoded into: `f64` (exact for every FCS
/// value type except 64-bit integers above 2^53) or `f32` (half the memory;
/// exact for float data and integers below 2^24).
pub trait Sample: Copy + Send + Sync + Default + PartialEq + std::fmt::Debug + 'static {
    /// Conversion from f64 (rounding to nearest for f32).
    fn from_f64(v: f64) -> Self;
    /// Conversion from f32 (exact).
    fn from_f32(v: f32) -> Self;
    /// Conversion to f64 (exact).
    fn to_f64(self) -> f64;
}

impl Sample for f64 {
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn from_f32(v: f32) -> Self {
        v as f64
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
}

impl Sample for f32 {
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn from_f32(v: f32) -> Self {
        v
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
}

/// Events × parameters, stored column by column (one contiguous vector per
/// parameter).
#[derive(Debug, Clone, PartialEq)]
pub struct Events<T> {
    n_events: usize,
    columns: Vec<Vec<T>>,
}

impl<T: Sample> Events<T> {
    /// A zero-filled matrix.
    pub fn zeros(n_events: usize, n_params: usize) -> Events<T> {
        Events {
            n_events,
            columns: vec![vec![T::default(); n_events]; n_params],
        }
    }

    /// Builds a matrix from columns of equal length.
    pub fn from_columns(columns: Vec<Vec<T>>) -> Result<Events<T>> {
        let n = columns.first().map_or(0, Vec::len);
        if columns.iter().any(|c| c.len() != n) {
            return Err(FcsError::Write("columns of different lengths".into()));
        }
        Ok(Events {
            n_events: n,
            columns,
        })
    }

    /// Number of events (rows).
    pub fn n_events(&self) -> usize {
        self.n_events
    }

    /// Number of parameters (columns).
    pub fn n_params(&self) -> usize {
        self.columns.len()
    }

    /// Column `j` (0-based).
    pub fn column(&self, j: usize) -> &[T] {
        &self.columns[j]
    }

    /// Column `j`, mutable.
    pub fn column_mut(&mut self, j: usize) -> &mut [T] {
        &mut self.columns[j]
    }

    /// Value of event `i`, parameter `j`.
    pub fn get(&self, i: usize, j: usize) -> T {
        self.columns[j][i]
    }

    /// Every column.
    pub fn columns(&self) -> &[Vec<T>] {
        &self.columns
    }

    /// Every column, mutable (for in-place transforms).
    pub fn columns_mut(&mut self) -> std::slice::IterMut<'_, Vec<T>> {
        self.columns.iter_mut()
    }

    /// The columns, without copying.
    pub fn into_columns(self) -> Vec<Vec<T>> {
        self.columns
    }

    /// The matrix converted to another sample type.
    pub fn convert<U: Sample>(&self) -> Events<U> {
        Events {
            n_events: self.n_events,
            columns: self
                .columns
                .iter()
                .map(|c| c.iter().map(|v| U::from_f64(v.to_f64())).collect())
                .collect(),
        }
    }
}

/// How one column is read from a row of bytes.
#[derive(Debug, Clone)]
enum Col {
    F32 {
        off: usize,
        little: bool,
    },
    F64 {
        off: usize,
        little: bool,
    },
    U8 {
        off: usize,
        mask: u64,
    },
    U16 {
        off: usize,
        little: bool,
        mask: u64,
    },
    U32 {
        off: usize,
        little: bool,
        mask: u64,
    },
    UInt {
        off: usize,
        width: usize,
        order: ByteOrder,
        mask: u64,
    },
}

fn column_plan(ds: &DataSet) -> Result<Vec<Col>> {
    let order = ds.byte_order.clone().unwrap_or(ByteOrder::Little);
    let little = order.is_little();
    let simple = !matches!(order, ByteOrder::Permuted(_));
    let mut off = 0;
    let mut plan = Vec::with_capacity(ds.parameters.len());
    for p in &ds.parameters {
        let w = p.byte_width();
        let c = match p.datatype {
            DataType::Float if simple || w != 4 => Col::F32 { off, little },
            DataType::Double if simple || w != 8 => Col::F64 { off, little },
            DataType::Float | DataType::Double => {
                return Err(FcsError::Unsupported {
                    keyword: "$BYTEORD".into(),
                    offset: ds.keywords.offset_of("$BYTEORD", ds.text.start),
                    message: "a permuted byte order for float data".into(),
                });
            }
            DataType::Integer => {
                let mask = p.int_mask();
                match (w, simple) {
                    (1, _) => Col::U8 { off, mask },
                    (2, true) => Col::U16 { off, little, mask },
                    (4, true) => Col::U32 { off, little, mask },
                    _ => Col::UInt {
                        off,
                        width: w,
                        order: order.clone(),
                        mask,
                    },
                }
            }
            DataType::Ascii => unreachable!("ASCII columns are not planned"),
        };
        plan.push(c);
        off += w;
    }
    Ok(plan)
}

const BLOCK: usize = 8192;

#[inline(always)]
fn arr<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(&b[at..at + N]);
    a
}

/// Fills `out` (one column, `out.len()` events) from `rows` (those events'
/// rows of `row` bytes).
fn fill_column<T: Sample>(col: &Col, rows: &[u8], row: usize, out: &mut [T]) {
    match *col {
        Col::F32 { off, little } => {
            if little {
                for (k, o) in out.iter_mut().enumerate() {
                    *o = T::from_f32(f32::from_le_bytes(arr(rows, k * row + off)));
                }
            } else {
                for (k, o) in out.iter_mut().enumerate() {
                    *o = T::from_f32(f32::from_be_bytes(arr(rows, k * row + off)));
                }
            }
        }
        Col::F64 { off, little } => {
            for (k, o) in out.iter_mut().enumerate() {
                let a = arr(rows, k * row + off);
                let v = if little {
                    f64::from_le_bytes(a)
                } else {
                    f64::from_be_bytes(a)
                };
                *o = T::from_f64(v);
            }
        }
        Col::U8 { off, mask } => {
            for (k, o) in out.iter_mut().enumerate() {
                *o = T::from_f64((rows[k * row + off] as u64 & mask) as f64);
            }
        }
        Col::U16 { off, little, mask } => {
            for (k, o) in out.iter_mut().enumerate() {
                let a = arr(rows, k * row + off);
                let v = if little {
                    u16::from_le_bytes(a)
                } else {
                    u16::from_be_bytes(a)
                };
                *o = T::from_f64((v as u64 & mask) as f64);
            }
        }
        Col::U32 { off, little, mask } => {
            for (k, o) in out.iter_mut().enumerate() {
                let a = arr(rows, k * row + off);
                let v = if little {
                    u32::from_le_bytes(a)
                } else {
                    u32::from_be_bytes(a)
                };
                *o = T::from_f64((v as u64 & mask) as f64);
            }
        }
        Col::UInt {
            off,
            width,
            ref order,
            mask,
        } => {
            for (k, o) in out.iter_mut().enumerate() {
                let at = k * row + off;
                let v = order.read_uint(&rows[at..at + width]);
                *o = T::from_f64((v & mask) as f64);
            }
        }
    }
}

/// Decodes the events of `ds` from the file bytes `bytes`.
pub fn decode<T: Sample>(bytes: &[u8], ds: &DataSet) -> Result<Events<T>> {
    let n = ds.n_events;
    let p = ds.parameters.len();
    let Some(seg) = ds.data else {
        return Ok(Events::zeros(0, p));
    };
    let data = seg.slice(bytes);
    match ds.layout {
        Layout::Aligned { row_bytes } => {
            let plan = column_plan(ds)?;
            let mut ev = Events::zeros(n, p);
            if n == 0 || p == 0 {
                return Ok(ev);
            }
            let need = n * row_bytes;
            if data.len() < need {
                return Err(FcsError::Inconsistent {
                    keyword: "$ENDDATA".into(),
                    offset: seg.start,
                    message: format!("DATA holds {} bytes, {need} needed", data.len()),
                });
            }
            // Column slices cut into blocks: blocks[b][j] = column j, block b.
            let n_blocks = n.div_ceil(BLOCK);
            let mut blocks: Vec<Vec<&mut [T]>> =
                (0..n_blocks).map(|_| Vec::with_capacity(p)).collect();
            for col in ev.columns.iter_mut() {
                for (b, chunk) in col.chunks_mut(BLOCK).enumerate() {
                    blocks[b].push(chunk);
                }
            }
            let work = |(b, cols): (usize, Vec<&mut [T]>)| {
                let first = b * BLOCK;
                let len = cols.first().map_or(0, |c| c.len());
                let rows = &data[first * row_bytes..(first + len) * row_bytes];
                for (j, out) in cols.into_iter().enumerate() {
                    fill_column(&plan[j], rows, row_bytes, out);
                }
            };
            if n * p >= 1 << 20 {
                blocks.into_par_iter().enumerate().for_each(work);
            } else {
                blocks.into_iter().enumerate().for_each(work);
            }
            Ok(ev)
        }
        Layout::BitPacked { .. } => decode_bits(data, ds),
        Layout::AsciiFixed { .. } => decode_ascii_fixed(data, seg.start, ds),
        Layout::AsciiDelimited => decode_ascii_delimited(data, seg.start, ds),
    }
}

fn decode_bits<T: Sample>(data: &[u8], ds: &DataSet) -> Result<Events<T>> {
    let n = ds.n_events;
    let p = ds.parameters.len();
    let msb_first = !ds.byte_order.as_ref().is_some_and(ByteOrder::is_little);
    let masks: Vec<u64> = ds.parameters.iter().map(Parameter::int_mask).collect();
    let mut ev = Events::zeros(n, p);
    let mut bit = 0usize;
    let total_bits = data.len() * 8;
    for i in 0..n {
        for (j, par) in ds.parameters.iter().enumerate() {
            let w = par.bits as usize;
            if bit + w > total_bits {
                return Err(FcsError::Inconsistent {
                    keyword: "$ENDDATA".into(),
                    offset: ds.data.map_or(0, |s| s.start),
                    message: "packed DATA ends before the last event".into(),
                });
            }
            let mut v = 0u64;
            for b in 0..w {
                let pos = bit + b;
                let byte = data[pos / 8];
                let bitv = if msb_first {
                    (byte >> (7 - pos % 8)) & 1
                } else {
                    (byte >> (pos % 8)) & 1
                };
                if msb_first {
                    v = (v << 1) | bitv as u64;
                } else {
                    v |= (bitv as u64) << b;
                }
            }
            bit += w;
            ev.columns[j][i] = T::from_f64((v & masks[j]) as f64);
        }
    }
    Ok(ev)
}

fn ascii_value(field: &[u8], at: usize, ds: &DataSet) -> Result<f64> {
    let s = std::str::from_utf8(field).unwrap_or("").trim();
    if s.is_empty() {
        return Ok(0.0);
    }
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| FcsError::Inconsistent {
            keyword: "$DATATYPE".into(),
            offset: at,
            message: format!(
                "ASCII DATA value {:?} is not a number (data set {})",
                String::from_utf8_lossy(field),
                ds.index
            ),
        })
}

fn decode_ascii_fixed<T: Sample>(data: &[u8], base: usize, ds: &DataSet) -> Result<Events<T>> {
    let n = ds.n_events;
    let p = ds.parameters.len();
    let mut ev = Events::zeros(n, p);
    let mut at = 0;
    for i in 0..n {
        for (j, par) in ds.parameters.iter().enumerate() {
            let w = par.bits as usize;
            let field = data.get(at..at + w).ok_or_else(|| FcsError::Inconsistent {
                keyword: "$ENDDATA".into(),
                offset: base + at,
                message: "ASCII DATA ends before the last event".into(),
            })?;
            ev.columns[j][i] = T::from_f64(ascii_value(field, base + at, ds)?);
            at += w;
        }
    }
    Ok(ev)
}

fn decode_ascii_delimited<T: Sample>(data: &[u8], base: usize, ds: &DataSet) -> Result<Events<T>> {
    let n = ds.n_events;
    let p = ds.parameters.len();
    let mut ev = Events::zeros(n, p);
    let mut k = 0usize;
    let mut i = 0usize;
    while i < data.len() && k < n * p {
        let c = data[i];
        if c.is_ascii_digit() || c == b'-' || c == b'+' || c == b'.' || c == b'e' || c == b'E' {
            let s = i;
            while i < data.len()
                && (data[i].is_ascii_digit() || matches!(data[i], b'-' | b'+' | b'.' | b'e' | b'E'))
            {
                i += 1;
            }
            let v = ascii_value(&data[s..i], base + s, ds)?;
            let (ev_i, j) = (k / p, k % p);
            ev.columns[j][ev_i] = T::from_f64(v);
            k += 1;
        } else {
            i += 1;
        }
    }
    if k < n * p {
        return Err(FcsError::Inconsistent {
            keyword: "$TOT".into(),
            offset: ds.keywords.offset_of("$TOT", ds.text.start),
            message: format!(
                "delimited ASCII DATA holds {k} values, $TOT × $PAR = {} needed",
                n * p
            ),
        });
    }
    Ok(ev)
}
