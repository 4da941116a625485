//! Typed metadata of a data set: data type, byte order and the parameters
//! (`$PnN`, `$PnS`, `$PnB`, `$PnR`, `$PnE`, `$PnG`, `$PnDATATYPE`).

use crate::error::{FcsError, Result};
use crate::text::Keywords;

/// How values are stored (`$DATATYPE`, or `$PnDATATYPE` per parameter in FCS
/// 3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataType {
    /// `I`: unsigned binary integers of `$PnB` bits, masked by `$PnR`.
    Integer,
    /// `F`: IEEE-754 single precision (32 bits).
    Float,
    /// `D`: IEEE-754 double precision (64 bits).
    Double,
    /// `A`: ASCII digits, `$PnB` characters wide, or delimited when `$PnB`
    /// is `*`.
    Ascii,
}

impl DataType {
    /// Parses `I`, `F`, `D` or `A` (any case, blanks ignored).
    pub fn parse(s: &str) -> Option<DataType> {
        match s.trim().to_ascii_uppercase().as_str() {
            "I" => Some(DataType::Integer),
            "F" => Some(DataType::Float),
            "D" => Some(DataType::Double),
            "A" => Some(DataType::Ascii),
            _ => None,
        }
    }

    /// The one-letter code.
    pub fn code(self) -> &'static str {
        match self {
            DataType::Integer => "I",
            DataType::Float => "F",
            DataType::Double => "D",
            DataType::Ascii => "A",
        }
    }
}

/// Byte order of multi-byte values (`$BYTEORD`).
///
/// `$BYTEORD` lists, for each byte as stored, its significance (1 = least
/// significant): `1,2,3,4` and `1,2` are little-endian, `4,3,2,1` and `2,1`
/// big-endian; any other permutation is applied as written to values of its
/// width.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// Least significant byte first.
    Little,
    /// Most significant byte first.
    Big,
    /// Another permutation: `sig[p]` is the significance (0-based) of the
    /// byte stored at position `p`.
    Permuted(Vec<u8>),
}

impl ByteOrder {
    /// Parses a `$BYTEORD` value.
    pub fn parse(s: &str) -> Option<ByteOrder> {
        let parts: Vec<u8> = s
            .split(',')
            .map(|p| p.trim().parse::<u8>().ok())
            .collect::<Option<Vec<u8>>>()?;
        let n = parts.len();
        if n == 0 || n > 8 {
            return None;
        }
        let mut seen = [false; 9];
        for &p in &parts {
            if p == 0 || p as usize > n || seen[p as usize] {
                return None;
            }
            seen[p as usize] = true;
        }
        if parts.iter().enumerate().all(|(i, &p)| p as usize == i + 1) {
            Some(ByteOrder::Little)
        } else if parts.iter().enumerate().all(|(i, &p)| p as usize == n - i) {
            Some(ByteOrder::Big)
        } else {
            Some(ByteOrder::Permuted(parts.iter().map(|p| p - 1).collect()))
        }
    }

    /// True when the first stored byte is the least significant (for widths
    /// a permutation does not cover).
    pub fn is_little(&self) -> bool {
        match self {
            ByteOrder::Little => true,
            ByteOrder::Big => false,
            ByteOrder::Permuted(p) => p.first() < p.last(),
        }
    }

    /// The `$BYTEORD` text for `width` bytes.
    pub fn keyword_value(&self, width: usize) -> String {
        let v: Vec<String> = match self {
            ByteOrder::Little => (1..=width).map(|i| i.to_string()).collect(),
            ByteOrder::Big => (1..=width).rev().map(|i| i.to_string()).collect(),
            ByteOrder::Permuted(p) => p.iter().map(|b| (b + 1).to_string()).collect(),
        };
        v.join(",")
    }

    /// Assembles an unsigned integer from `bytes` stored in this order.
    #[inline]
    pub fn read_uint(&self, bytes: &[u8]) -> u64 {
        match self {
            ByteOrder::Little => bytes
                .iter()
                .rev()
                .fold(0u64, |acc, &b| (acc << 8) | b as u64),
            ByteOrder::Big => bytes.iter().fold(0u64, |acc, &b| (acc << 8) | b as u64),
            ByteOrder::Permuted(p) if p.len() == bytes.len() => bytes
                .iter()
                .zip(p)
                .fold(0u64, |acc, (&b, &s)| acc | ((b as u64) << (8 * s as u32))),
            ByteOrder::Permuted(_) => {
                if self.is_little() {
                    ByteOrder::Little.read_uint(bytes)
                } else {
                    ByteOrder::Big.read_uint(bytes)
                }
            }
        }
    }
}

/// Log amplification `$PnE = f1,f2`: a stored value x means
/// `10^(f1·x/$PnR)·f2` (FCS 3.1 §3.3.25).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogScale {
    /// Decades f1.
    pub decades: f64,
    /// Offset f2 as written.
    pub offset: f64,
}

impl LogScale {
    /// The offset used for decoding: f2 = 0 is read as 1, as FlowIO and
    /// flowCore do for the common BD FCS 2.0 value `4,0` (a value of 0 would
    /// map every event to 0).
    pub fn effective_offset(&self) -> f64 {
        if self.offset == 0.0 { 1.0 } else { self.offset }
    }
}

/// One parameter (channel) of a data set.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// 1-based index n of the `$Pn…` keywords.
    pub index: usize,
    /// `$PnN`, the short name (blanks trimmed); `None` when absent.
    pub name: Option<String>,
    /// `$PnS`, the long name / stain label.
    pub label: Option<String>,
    /// `$PnB` bits per value; 0 when `*` (delimited ASCII).
    pub bits: u32,
    /// `$PnR` range as a number (may exceed 2^53 only in broken files).
    pub range: f64,
    /// `$PnE` when f1 > 0 (log amplification), else `None`.
    pub log: Option<LogScale>,
    /// `$PnE` as written (`None` when absent).
    pub log_text: Option<String>,
    /// `$PnG` amplifier gain as written and parsed (`None` when absent).
    pub gain: Option<f64>,
    /// Storage type (`$PnDATATYPE` in FCS 3.2, else `$DATATYPE`).
    pub datatype: DataType,
}

impl Parameter {
    /// `$PnN`, or `Pn` when the file has none.
    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("P{}", self.index))
    }

    /// Storage width in bytes of a binary value: ⌈bits/8⌉.
    pub fn byte_width(&self) -> usize {
        self.bits.div_ceil(8) as usize
    }

    /// Mask applied to integer values: FlowIO's rule — when 2^bits > $PnR,
    /// values are ANDed with (next power of two ≥ $PnR) − 1; otherwise with
    /// 2^bits − 1.
    pub fn int_mask(&self) -> u64 {
        let bits_mask = if self.bits >= 64 {
            u64::MAX
        } else {
            (1u64 << self.bits) - 1
        };
        if self.range >= 1.0 && self.range < 2f64.powi(self.bits.min(63) as i32) {
            let r = self.range.ceil() as u64;
            let p = r.next_power_of_two();
            (p - 1) & bits_mask
        } else {
            bits_mask
        }
    }
}

/// Parses a number in a keyword value, naming the keyword in the error.
pub fn parse_num(kw: &Keywords, key: &str, value: &str, fallback_offset: usize) -> Result<f64> {
    let t = value.trim();
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| FcsError::BadKeyword {
            keyword: key.to_string(),
            value: value.to_string(),
            offset: kw.offset_of(key, fallback_offset),
            message: "is not a finite number".into(),
        })
}

/// Parses a non-negative integer keyword value (leading zeros and blanks
/// allowed).
pub fn parse_uint(kw: &Keywords, key: &str, value: &str, fallback_offset: usize) -> Result<u64> {
    let t = value.trim();
    t.parse::<u64>().map_err(|_| FcsError::BadKeyword {
        keyword: key.to_string(),
        value: value.to_string(),
        offset: kw.offset_of(key, fallback_offset),
        message: "is not a non-negative integer".into(),
    })
}

/// A required keyword's trimmed value.
pub fn required<'a>(kw: &'a Keywords, key: &str, text_offset: usize) -> Result<&'a str> {
    kw.get(key)
        .map(str::trim)
        .ok_or_else(|| FcsError::MissingKeyword {
            keyword: key.to_string(),
            offset: text_offset,
        })
}

/// A note about a keyword: (keyword, byte offset, message).
pub type KeywordNote = (String, usize, String);

/// Reads the parameters `$P1…` to `$P{par}…`. Returns them and notes about
/// interpretations made (e.g. `$PnE 4,0` read as `4,1`).
pub fn read_parameters(
    kw: &Keywords,
    par: usize,
    datatype: DataType,
    text_offset: usize,
) -> Result<(Vec<Parameter>, Vec<KeywordNote>)> {
    let mut out = Vec::with_capacity(par);
    let mut notes = Vec::new();
    for n in 1..=par {
        let kb = format!("$P{n}B");
        let bits_s = required(kw, &kb, text_offset)?;
        let bits = if bits_s == "*" {
            if datatype != DataType::Ascii {
                return Err(FcsError::BadKeyword {
                    keyword: kb.clone(),
                    value: bits_s.into(),
                    offset: kw.offset_of(&kb, text_offset),
                    message: "'*' (delimited values) is only allowed for $DATATYPE A".into(),
                });
            }
            0
        } else {
            let b = parse_uint(kw, &kb, bits_s, text_offset)?;
            if b == 0 || b > 64 {
                return Err(FcsError::BadKeyword {
                    keyword: kb.clone(),
                    value: bits_s.into(),
                    offset: kw.offset_of(&kb, text_offset),
                    message: "must be between 1 and 64 bits".into(),
                });
            }
            b as u32
        };
        let kr = format!("$P{n}R");
        let range = match kw.get_trimmed(&kr) {
            Some(v) => parse_num(kw, &kr, v, text_offset)?,
            None => {
                return Err(FcsError::MissingKeyword {
                    keyword: kr,
                    offset: text_offset,
                });
            }
        };
        let kd = format!("$P{n}DATATYPE");
        let dt = match kw.get_trimmed(&kd) {
            Some(v) => DataType::parse(v).ok_or_else(|| FcsError::BadKeyword {
                keyword: kd.clone(),
                value: v.into(),
                offset: kw.offset_of(&kd, text_offset),
                message: "is not one of I, F, D".into(),
            })?,
            None => datatype,
        };
        match (dt, bits) {
            (DataType::Float, b) if b != 32 => {
                return Err(FcsError::BadKeyword {
                    keyword: kb.clone(),
                    value: bits_s.into(),
                    offset: kw.offset_of(&kb, text_offset),
                    message: "must be 32 for float ($DATATYPE F) data".into(),
                });
            }
            (DataType::Double, b) if b != 64 => {
                return Err(FcsError::BadKeyword {
                    keyword: kb.clone(),
                    value: bits_s.into(),
                    offset: kw.offset_of(&kb, text_offset),
                    message: "must be 64 for double ($DATATYPE D) data".into(),
                });
            }
            _ => {}
        }
        let ke = format!("$P{n}E");
        let log_text = kw.get(&ke).map(|s| s.to_string());
        let log = match kw.get_trimmed(&ke) {
            None => None,
            Some(v) => {
                let parts: Vec<&str> = v.split(',').map(str::trim).collect();
                let (f1, f2) = match parts.as_slice() {
                    [a, b] => (a.parse::<f64>().ok(), b.parse::<f64>().ok()),
                    _ => (None, None),
                };
                let (Some(f1), Some(f2)) = (f1, f2) else {
                    return Err(FcsError::BadKeyword {
                        keyword: ke.clone(),
                        value: v.into(),
                        offset: kw.offset_of(&ke, text_offset),
                        message: "is not of the form f1,f2".into(),
                    });
                };
                if !(f1.is_finite() && f2.is_finite()) || f1 < 0.0 {
                    return Err(FcsError::BadKeyword {
                        keyword: ke.clone(),
                        value: v.into(),
                        offset: kw.offset_of(&ke, text_offset),
                        message: "must hold two finite numbers, f1 ≥ 0".into(),
                    });
                }
                if f1 > 0.0 {
                    if matches!(dt, DataType::Float | DataType::Double) {
                        notes.push((
                            ke.clone(),
                            kw.offset_of(&ke, text_offset),
                            format!(
                                "'{v}' ignored: log amplification applies to integer data only (float data are stored linear)"
                            ),
                        ));
                        None
                    } else {
                        if f2 == 0.0 {
                            notes.push((
                                ke.clone(),
                                kw.offset_of(&ke, text_offset),
                                format!("'{v}' read as '{f1},1' (f2 = 0 is read as 1)"),
                            ));
                        }
                        Some(LogScale {
                            decades: f1,
                            offset: f2,
                        })
                    }
                } else {
                    None
                }
            }
        };
        let kg = format!("$P{n}G");
        let gain = match kw.get_trimmed(&kg) {
            Some(v) => Some(parse_num(kw, &kg, v, text_offset)?),
            None => None,
        };
        let name = kw
            .get(&format!("$P{n}N"))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        let label = kw
            .get(&format!("$P{n}S"))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        out.push(Parameter {
            index: n,
            name,
            label,
            bits,
            range,
            log,
            log_text,
            gain,
            datatype: dt,
        });
    }
    Ok((out, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_orders() {
        assert_eq!(ByteOrder::parse("1,2,3,4"), Some(ByteOrder::Little));
        assert_eq!(ByteOrder::parse("4,3,2,1"), Some(ByteOrder::Big));
        assert_eq!(ByteOrder::parse("1,2"), Some(ByteOrder::Little));
        assert_eq!(ByteOrder::parse("2,1"), Some(ByteOrder::Big));
        assert_eq!(ByteOrder::parse("1,1"), None);
        assert_eq!(ByteOrder::parse("x"), None);
        let p = ByteOrder::parse("3,4,1,2").unwrap();
        assert_eq!(p.read_uint(&[0x03, 0x04, 0x01, 0x02]), 0x0403_0201);
        assert_eq!(ByteOrder::Big.read_uint(&[1, 2, 3]), 0x010203);
        assert_eq!(ByteOrder::Little.read_uint(&[1, 2, 3]), 0x030201);
    }

    #[test]
    fn masks() {
        let mut p = Parameter {
            index: 1,
            name: None,
            label: None,
            bits: 16,
            range: 1024.0,
            log: None,
            log_text: None,
            gain: None,
            datatype: DataType::Integer,
        };
        assert_eq!(p.int_mask(), 1023);
        p.range = 65536.0;
        assert_eq!(p.int_mask(), 0xFFFF);
        p.bits = 32;
        p.range = 11209599.0;
        assert_eq!(p.int_mask(), (1 << 24) - 1);
        p.bits = 10;
        p.range = 1024.0;
        assert_eq!(p.int_mask(), 1023);
    }
}
