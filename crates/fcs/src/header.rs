//! The HEADER segment: version and segment offsets.
//!
//! Layout (FCS 2.0–3.2): bytes 0–5 the version (`FCS3.1`), 6–9 spaces, then
//! six ASCII integers, each right-justified in 8 bytes: TEXT start, TEXT end,
//! DATA start, DATA end, ANALYSIS start, ANALYSIS end. Offsets are relative
//! to the start of the data set and **inclusive** (a segment holds
//! `end − start + 1` bytes). An empty or all-blank field reads as 0; a DATA
//! segment beyond byte 99,999,999 is written as `0 0` (FCS 3.1 §3.1) and its
//! real offsets are in TEXT (`$BEGINDATA`/`$ENDDATA`).

use crate::error::{FcsError, Result};

/// Length of the fixed part of the HEADER (version + 6 offsets).
pub const HEADER_LEN: usize = 58;

/// A parsed HEADER. Offsets are relative to the data set's first byte, as in
/// the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The version string, e.g. `FCS3.1`.
    pub version: String,
    /// TEXT segment first and last byte.
    pub text: (u64, u64),
    /// DATA segment first and last byte (0, 0 when written only in TEXT).
    pub data: (u64, u64),
    /// ANALYSIS segment first and last byte (0, 0 when absent).
    pub analysis: (u64, u64),
}

impl Header {
    /// Parses the HEADER at the start of `bytes`; `base` is the absolute
    /// offset of `bytes[0]` in the file (for error messages).
    pub fn parse(bytes: &[u8], base: usize) -> Result<Header> {
        let version = &bytes[..bytes.len().min(6)];
        if !version.starts_with(b"FCS") {
            return Err(FcsError::Header {
                offset: base,
                message: format!(
                    "not an FCS file: it starts with {:?}, not 'FCS'",
                    String::from_utf8_lossy(version)
                ),
            });
        }
        if bytes.len() < HEADER_LEN {
            return Err(FcsError::Header {
                offset: base,
                message: format!(
                    "file too short for an FCS HEADER ({} bytes, at least {HEADER_LEN} needed)",
                    bytes.len()
                ),
            });
        }
        let version = &bytes[..6];
        let version = String::from_utf8_lossy(version).trim().to_string();
        let mut f = [0u64; 6];
        for (k, v) in f.iter_mut().enumerate() {
            let at = 10 + 8 * k;
            *v = parse_field(&bytes[at..at + 8]).ok_or_else(|| FcsError::Header {
                offset: base + at,
                message: format!(
                    "offset field {} is not a number: {:?}",
                    FIELD_NAMES[k],
                    String::from_utf8_lossy(&bytes[at..at + 8])
                ),
            })?;
        }
        Ok(Header {
            version,
            text: (f[0], f[1]),
            data: (f[2], f[3]),
            analysis: (f[4], f[5]),
        })
    }

    /// Byte offset (relative to the data set) of HEADER field `k` (0 = TEXT
    /// start … 5 = ANALYSIS end).
    pub fn field_offset(k: usize) -> usize {
        10 + 8 * k
    }
}

/// Names of the six HEADER offset fields, for messages.
pub const FIELD_NAMES: [&str; 6] = [
    "TEXT start",
    "TEXT end",
    "DATA start",
    "DATA end",
    "ANALYSIS start",
    "ANALYSIS end",
];

/// An 8-byte offset field: blanks around digits; all blank = 0.
fn parse_field(b: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(b)
        .ok()?
        .trim_matches(|c: char| c == ' ' || c == '\0');
    if s.is_empty() {
        return Some(0);
    }
    if !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_flowkit_example_header() {
        let h = b"FCS3.1         256     545     546     553       0       0";
        let h = Header::parse(h, 0).unwrap();
        assert_eq!(h.version, "FCS3.1");
        assert_eq!(h.text, (256, 545));
        assert_eq!(h.data, (546, 553));
        assert_eq!(h.analysis, (0, 0));
    }

    #[test]
    fn rejects_non_fcs_and_bad_fields() {
        assert!(Header::parse(b"PNG", 0).is_err());
        let e = Header::parse(
            b"FCS3.1         2x6     545     546     553       0       0",
            100,
        )
        .unwrap_err();
        assert!(e.to_string().contains("byte 110"), "{e}");
        let blank = b"FCS2.0         256     545                                    ";
        let h = Header::parse(blank, 0).unwrap();
        assert_eq!(h.data, (0, 0));
    }
}
