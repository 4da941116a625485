//! Finding the data sets of a file and resolving their segments.
//!
//! For each data set: HEADER → primary TEXT (+ supplemental TEXT from
//! `$BEGINSTEXT`/`$ENDSTEXT`) → typed metadata → DATA offsets → ANALYSIS →
//! `$NEXTDATA` (relative to the start of the current data set; 0 = last).
//!
//! ## DATA offsets and repairs
//!
//! The DATA segment may be given in the HEADER, in TEXT (`$BEGINDATA` /
//! `$ENDDATA`, required in FCS 3.x and the only place for data beyond byte
//! 99,999,999, where the HEADER holds `0 0` — or `99999999` in some FlowJo
//! exports) or both. Each candidate is checked against the length the
//! keywords imply, `$TOT × Σ $PnB / 8` bytes (binary data), and against the
//! file size:
//!
//! 1. candidates that agree, have exactly that length and lie inside the file
//!    are used as they are (if HEADER and TEXT disagree and exactly one of
//!    them is consistent, it is chosen and the choice is reported);
//! 2. a candidate exactly **one byte longer** (an exclusive end written as
//!    inclusive: FlowKit #65/#66, Coulter `.lmd`) is shortened by one byte,
//!    reported;
//! 3. a candidate whose end equals its start (iQue writes `$ENDDATA =
//!    $BEGINDATA`, FlowIO #25) gets its end from `$TOT`, reported;
//! 4. anything else is refused with [`FcsError::Inconsistent`] naming the
//!    keyword (or HEADER field) and its byte offset.
//!
//! Every repair is listed in [`DataSet::repairs`]; interpretations that are
//! not repairs of a fault (such as `$PnE 4,0` read as `4,1`) are in
//! [`DataSet::notes`].

use std::collections::HashSet;
use std::fmt;

use crate::error::{FcsError, Result};
use crate::header::{FIELD_NAMES, HEADER_LEN, Header};
use crate::meta::{ByteOrder, DataType, Parameter, parse_uint, read_parameters, required};
use crate::spill::{SpillLookup, find_spillover};
use crate::text::{Keyword, Keywords, parse_text};

/// A segment of the file: absolute offsets of its first and last byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// First byte (absolute).
    pub start: usize,
    /// Last byte (absolute, inclusive).
    pub end: usize,
}

impl Segment {
    /// Number of bytes, `end − start + 1`.
    pub fn len(&self) -> usize {
        self.end + 1 - self.start
    }

    /// Always false: a segment holds at least one byte.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The bytes of the segment.
    pub fn slice<'a>(&self, bytes: &'a [u8]) -> &'a [u8] {
        &bytes[self.start..=self.end]
    }
}

/// A repair or interpretation made while reading, with where it applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The keyword or HEADER field concerned.
    pub keyword: String,
    /// Absolute byte offset of that keyword or field.
    pub offset: usize,
    /// What was found and what was done.
    pub message: String,
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at byte {}: {}",
            self.keyword, self.offset, self.message
        )
    }
}

/// How the values of one event are laid out in DATA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Binary values on byte boundaries: ⌈$PnB/8⌉ bytes each, `row_bytes`
    /// per event.
    Aligned {
        /// Bytes per event.
        row_bytes: usize,
    },
    /// Integer values packed as a bit stream with no padding (`$PnB` not a
    /// multiple of 8 and the DATA length says so): most significant bit
    /// first for big-endian `$BYTEORD`, least significant first otherwise.
    BitPacked {
        /// Bits per event.
        row_bits: usize,
    },
    /// ASCII values of `$PnB` characters each.
    AsciiFixed {
        /// Characters per event.
        row_chars: usize,
    },
    /// ASCII values separated by blanks, commas or the TEXT delimiter
    /// (`$PnB = *`).
    AsciiDelimited,
}

/// One data set of an FCS file.
#[derive(Debug, Clone)]
pub struct DataSet {
    /// 0-based position in the file.
    pub index: usize,
    /// Absolute offset of this data set's HEADER.
    pub start: usize,
    /// The HEADER as written.
    pub header: Header,
    /// All keywords (primary TEXT, then supplemental TEXT).
    pub keywords: Keywords,
    /// The primary TEXT segment.
    pub text: Segment,
    /// The supplemental TEXT segment, when present and readable.
    pub supplemental_text: Option<Segment>,
    /// `$DATATYPE`.
    pub datatype: DataType,
    /// `$BYTEORD` (`None` when absent and not needed: 1-byte or ASCII data).
    pub byte_order: Option<ByteOrder>,
    /// `$MODE` (`L`; absent is read as `L`).
    pub mode: String,
    /// `$TOT`, the number of events.
    pub n_events: usize,
    /// The parameters `$P1…$P{$PAR}`.
    pub parameters: Vec<Parameter>,
    /// The DATA segment actually read (after any repair); `None` when the
    /// data set has no event.
    pub data: Option<Segment>,
    /// How values are laid out in DATA.
    pub layout: Layout,
    /// The ANALYSIS segment, when present and inside the file.
    pub analysis: Option<Segment>,
    /// `$NEXTDATA` (relative to [`DataSet::start`]; 0 = last data set).
    pub next_data: u64,
    /// `$TIMESTEP` when it is a positive number.
    pub timestep: Option<f64>,
    /// Repairs of faults in the file.
    pub repairs: Vec<Notice>,
    /// Interpretations and tolerated irregularities that are not faults of
    /// the data (e.g. `$PnE 4,0` read as `4,1`).
    pub notes: Vec<Notice>,
}

impl DataSet {
    /// The version string from the HEADER, e.g. `FCS3.1`.
    pub fn version(&self) -> &str {
        &self.header.version
    }

    /// `$PnN` of every parameter (`Pn` when absent).
    pub fn names(&self) -> Vec<String> {
        self.parameters
            .iter()
            .map(Parameter::display_name)
            .collect()
    }

    /// 0-based index of the parameter named `name` (`$PnN`, exact then
    /// ignoring ASCII case).
    pub fn find(&self, name: &str) -> Option<usize> {
        let names = self.names();
        names
            .iter()
            .position(|n| n == name)
            .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(name)))
    }

    /// The data set's spillover matrix (see [`crate::spill`]).
    pub fn spillover(&self) -> SpillLookup {
        find_spillover(&self.keywords, &self.names())
    }

    /// Index of the time parameter: `$PnN` equal to `Time` ignoring case.
    pub fn time_parameter(&self) -> Option<usize> {
        self.parameters.iter().position(|p| {
            p.name
                .as_deref()
                .is_some_and(|n| n.trim().eq_ignore_ascii_case("time"))
        })
    }
}

/// Reads every data set of a file held in `bytes`.
///
/// The first data set must be readable; a later one that is not ends the
/// list, and the reason is added to the notes of the last data set read.
pub fn parse_datasets(bytes: &[u8]) -> Result<Vec<DataSet>> {
    let mut out: Vec<DataSet> = Vec::new();
    let mut start = 0usize;
    let mut seen = HashSet::new();
    loop {
        let ds = match parse_one(bytes, start, out.len()) {
            Ok(ds) => ds,
            Err(e) if !out.is_empty() => {
                let last = out.last_mut().expect("not empty");
                last.notes.push(Notice {
                    keyword: "$NEXTDATA".into(),
                    offset: last.keywords.offset_of("$NEXTDATA", last.text.start),
                    message: format!(
                        "the data set it points to (byte {start}) could not be read and was skipped: {e}"
                    ),
                });
                break;
            }
            Err(e) => return Err(e),
        };
        let next = ds.next_data;
        let here = ds.start;
        let nd_offset = ds.keywords.offset_of("$NEXTDATA", ds.text.start);
        out.push(ds);
        if next == 0 {
            break;
        }
        let target = (here as u64).saturating_add(next);
        if target as usize >= bytes.len() || !seen.insert(target) || target <= here as u64 {
            let last = out.last_mut().expect("just pushed");
            last.notes.push(Notice {
                keyword: "$NEXTDATA".into(),
                offset: nd_offset,
                message: format!(
                    "points to byte {target}, outside the file ({} bytes) or backwards; no further data set read",
                    bytes.len()
                ),
            });
            break;
        }
        start = target as usize;
        if out.len() >= 100_000 {
            break;
        }
    }
    Ok(out)
}

/// Bytes per event implied by the parameters, for binary layouts: (aligned
/// bytes, packed bits).
fn row_sizes(params: &[Parameter]) -> (usize, usize) {
    let bytes = params.iter().map(Parameter::byte_width).sum();
    let bits = params.iter().map(|p| p.bits as usize).sum();
    (bytes, bits)
}

fn rel_segment(bytes_len: usize, base: usize, (s, e): (u64, u64)) -> Option<(usize, usize)> {
    let s = (base as u64).checked_add(s)?;
    let e = (base as u64).checked_add(e)?;
    if e < s || e as usize >= bytes_len {
        return None;
    }
    Some((s as usize, e as usize))
}

fn parse_one(bytes: &[u8], start: usize, index: usize) -> Result<DataSet> {
    let header = Header::parse(&bytes[start..], start)?;
    let mut notes = Vec::new();
    let mut repairs = Vec::new();
    // --- primary TEXT
    let (ts, te) = header.text;
    if ts == 0 && te == 0 {
        return Err(FcsError::Header {
            offset: start + Header::field_offset(0),
            message: "the TEXT segment offsets are 0".into(),
        });
    }
    let text = match rel_segment(bytes.len(), start, (ts, te)) {
        Some((s, e)) if s >= start + HEADER_LEN => Segment { start: s, end: e },
        _ => {
            return Err(FcsError::Inconsistent {
                keyword: "HEADER TEXT offsets".into(),
                offset: start + Header::field_offset(0),
                message: format!(
                    "TEXT {ts}–{te} (relative to byte {start}) does not lie inside the file ({} bytes) after the HEADER",
                    bytes.len()
                ),
            });
        }
    };
    let parsed = parse_text(text.slice(bytes), text.start)?;
    for w in parsed.warnings {
        notes.push(Notice {
            keyword: "TEXT".into(),
            offset: text.start,
            message: w,
        });
    }
    let mut keywords = Keywords::new();
    for kv in parsed.pairs {
        let (k, off) = (kv.key.clone(), kv.offset);
        if !keywords.push(kv) {
            notes.push(Notice {
                keyword: k,
                offset: off,
                message: "repeated keyword ignored (the first occurrence is used)".into(),
            });
        }
    }
    // --- supplemental TEXT
    let mut supplemental_text = None;
    if let (Some(a), Some(b)) = (
        keywords.get_trimmed("$BEGINSTEXT"),
        keywords.get_trimmed("$ENDSTEXT"),
    ) {
        let (a, b) = (a.parse::<u64>().ok(), b.parse::<u64>().ok());
        match (a, b) {
            (Some(0), Some(0)) => {}
            (Some(a), Some(b)) => match rel_segment(bytes.len(), start, (a, b)) {
                Some((s, e)) if e < text.start || s > text.end => {
                    let seg = Segment { start: s, end: e };
                    match parse_text(seg.slice(bytes), s) {
                        Ok(p) => {
                            for kv in p.pairs {
                                keywords.push(kv);
                            }
                            supplemental_text = Some(seg);
                        }
                        Err(e) => notes.push(Notice {
                            keyword: "$BEGINSTEXT".into(),
                            offset: keywords.offset_of("$BEGINSTEXT", text.start),
                            message: format!("supplemental TEXT ignored: {e}"),
                        }),
                    }
                }
                Some((s, e)) if s == text.start && e == text.end => {}
                _ => notes.push(Notice {
                    keyword: "$BEGINSTEXT".into(),
                    offset: keywords.offset_of("$BEGINSTEXT", text.start),
                    message: format!(
                        "supplemental TEXT {a}–{b} lies outside the file or overlaps the primary TEXT; ignored"
                    ),
                }),
            },
            _ => notes.push(Notice {
                keyword: "$BEGINSTEXT".into(),
                offset: keywords.offset_of("$BEGINSTEXT", text.start),
                message: "supplemental TEXT offsets are not numbers; ignored".into(),
            }),
        }
    }
    let toff = text.start;
    // --- typed metadata
    let mode = keywords
        .get_trimmed("$MODE")
        .unwrap_or("L")
        .to_ascii_uppercase();
    if mode != "L" {
        return Err(FcsError::Unsupported {
            keyword: "$MODE".into(),
            offset: keywords.offset_of("$MODE", toff),
            message: format!(
                "mode '{mode}' (histograms) is not supported; only list mode (L) data are read"
            ),
        });
    }
    let dt_s = required(&keywords, "$DATATYPE", toff)?;
    let datatype = DataType::parse(dt_s).ok_or_else(|| FcsError::BadKeyword {
        keyword: "$DATATYPE".into(),
        value: dt_s.into(),
        offset: keywords.offset_of("$DATATYPE", toff),
        message: "is not one of I, F, D, A".into(),
    })?;
    let par_s = required(&keywords, "$PAR", toff)?;
    let par = parse_uint(&keywords, "$PAR", par_s, toff)? as usize;
    if par > 100_000 {
        return Err(FcsError::BadKeyword {
            keyword: "$PAR".into(),
            value: par_s.into(),
            offset: keywords.offset_of("$PAR", toff),
            message: "is not a plausible number of parameters".into(),
        });
    }
    let (parameters, pnotes) = read_parameters(&keywords, par, datatype, toff)?;
    for (k, o, m) in pnotes {
        notes.push(Notice {
            keyword: k,
            offset: o,
            message: m,
        });
    }
    let any_binary_multi_byte = parameters
        .iter()
        .any(|p| p.datatype != DataType::Ascii && p.bits > 8);
    let byte_order = match keywords.get_trimmed("$BYTEORD") {
        Some(v) => match ByteOrder::parse(v) {
            Some(o) => Some(o),
            None => {
                return Err(FcsError::BadKeyword {
                    keyword: "$BYTEORD".into(),
                    value: v.into(),
                    offset: keywords.offset_of("$BYTEORD", toff),
                    message: "is not a permutation such as 1,2,3,4 or 4,3,2,1".into(),
                });
            }
        },
        None if any_binary_multi_byte => {
            return Err(FcsError::MissingKeyword {
                keyword: "$BYTEORD".into(),
                offset: toff,
            });
        }
        None => None,
    };
    let timestep = match keywords.get_trimmed("$TIMESTEP") {
        None => None,
        Some(v) => match v.parse::<f64>() {
            Ok(t) if t.is_finite() && t > 0.0 => Some(t),
            _ => {
                notes.push(Notice {
                    keyword: "$TIMESTEP".into(),
                    offset: keywords.offset_of("$TIMESTEP", toff),
                    message: format!(
                        "'{v}' is not a positive number; the time channel is left unscaled"
                    ),
                });
                None
            }
        },
    };
    // --- DATA
    let all_ascii = parameters.iter().all(|p| p.datatype == DataType::Ascii);
    let any_ascii = parameters.iter().any(|p| p.datatype == DataType::Ascii);
    if any_ascii && !all_ascii {
        return Err(FcsError::Unsupported {
            keyword: "$PnDATATYPE".into(),
            offset: toff,
            message: "ASCII columns mixed with binary columns".into(),
        });
    }
    let delimited = all_ascii && parameters.iter().any(|p| p.bits == 0);
    let (row_bytes, row_bits) = row_sizes(&parameters);
    let tot = match keywords.get_trimmed("$TOT") {
        Some(v) => Some(parse_uint(&keywords, "$TOT", v, toff)?),
        None => None,
    };
    let resolved = resolve_data(
        bytes,
        start,
        &header,
        &keywords,
        toff,
        tot,
        &parameters,
        row_bytes,
        row_bits,
        all_ascii,
        delimited,
        &mut repairs,
        &mut notes,
    )?;
    let (data, layout, n_events) = resolved;
    // --- ANALYSIS
    let mut analysis = None;
    let text_an = match (
        keywords.get_trimmed("$BEGINANALYSIS"),
        keywords.get_trimmed("$ENDANALYSIS"),
    ) {
        (Some(a), Some(b)) => match (a.parse::<u64>(), b.parse::<u64>()) {
            (Ok(a), Ok(b)) => Some((a, b)),
            _ => None,
        },
        _ => None,
    };
    let an = if header.analysis != (0, 0) {
        Some(header.analysis)
    } else {
        text_an.filter(|t| *t != (0, 0))
    };
    if let Some(an) = an {
        match rel_segment(bytes.len(), start, an) {
            Some((s, e)) => analysis = Some(Segment { start: s, end: e }),
            None => notes.push(Notice {
                keyword: "ANALYSIS offsets".into(),
                offset: start + Header::field_offset(4),
                message: format!("ANALYSIS {}–{} lies outside the file; ignored", an.0, an.1),
            }),
        }
    }
    // --- NEXTDATA
    let next_data = match keywords.get_trimmed("$NEXTDATA") {
        None => 0,
        Some(v) => match v.parse::<u64>() {
            Ok(n) => n,
            Err(_) => {
                notes.push(Notice {
                    keyword: "$NEXTDATA".into(),
                    offset: keywords.offset_of("$NEXTDATA", toff),
                    message: format!("'{v}' is not a number; read as 0 (no further data set)"),
                });
                0
            }
        },
    };
    Ok(DataSet {
        index,
        start,
        header,
        keywords,
        text,
        supplemental_text,
        datatype,
        byte_order,
        mode,
        n_events,
        parameters,
        data,
        layout,
        analysis,
        next_data,
        timestep,
        repairs,
        notes,
    })
}

/// One way to read the DATA offsets.
#[derive(Debug, Clone)]
struct Candidate {
    /// "HEADER" or "TEXT".
    source: &'static str,
    /// The keyword used in messages about its end.
    end_keyword: String,
    /// Offset of that keyword / field.
    end_offset: usize,
    start_keyword: String,
    start_offset: usize,
    /// Relative offsets as written.
    rel: (u64, u64),
}

#[allow(clippy::too_many_arguments)]
fn resolve_data(
    bytes: &[u8],
    base: usize,
    header: &Header,
    kw: &Keywords,
    toff: usize,
    tot: Option<u64>,
    params: &[Parameter],
    row_bytes: usize,
    row_bits: usize,
    ascii: bool,
    delimited: bool,
    repairs: &mut Vec<Notice>,
    notes: &mut Vec<Notice>,
) -> Result<(Option<Segment>, Layout, usize)> {
    let mut cands: Vec<Candidate> = Vec::new();
    let hdr = header.data;
    let hdr_present = hdr != (0, 0) && hdr.0 != 99_999_999 && hdr.1 != 99_999_999;
    let text_off = |k: &str| -> Result<Option<u64>> {
        match kw.get_trimmed(k) {
            None => Ok(None),
            Some(v) => Ok(Some(parse_uint(kw, k, v, toff)?)),
        }
    };
    let tb = text_off("$BEGINDATA")?;
    let te = text_off("$ENDDATA")?;
    let text_pair = match (tb, te) {
        (Some(b), Some(e)) if (b, e) != (0, 0) => Some((b, e)),
        _ => None,
    };
    // When HEADER and TEXT agree, only TEXT is kept (messages then name
    // $BEGINDATA/$ENDDATA).
    if hdr_present && text_pair != Some(hdr) {
        cands.push(Candidate {
            source: "HEADER",
            end_keyword: format!("HEADER {}", FIELD_NAMES[3]),
            end_offset: base + Header::field_offset(3),
            start_keyword: format!("HEADER {}", FIELD_NAMES[2]),
            start_offset: base + Header::field_offset(2),
            rel: hdr,
        });
    }
    if let Some((b, e)) = text_pair {
        cands.push(Candidate {
            source: "TEXT",
            end_keyword: "$ENDDATA".into(),
            end_offset: kw.offset_of("$ENDDATA", toff),
            start_keyword: "$BEGINDATA".into(),
            start_offset: kw.offset_of("$BEGINDATA", toff),
            rel: (b, e),
        });
    }
    let n_params = params.len();
    if cands.is_empty() {
        if tot == Some(0) || n_params == 0 {
            return Ok((None, Layout::Aligned { row_bytes }, 0));
        }
        return Err(FcsError::Inconsistent {
            keyword: "$BEGINDATA".into(),
            offset: kw.offset_of("$BEGINDATA", base + Header::field_offset(2)),
            message: "the DATA offsets are 0 in the HEADER and absent (or 0) in TEXT".into(),
        });
    }
    // Expected lengths.
    let layouts: Vec<(Layout, u64)> = if ascii {
        if delimited {
            vec![]
        } else {
            let row = params.iter().map(|p| p.bits as u64).sum::<u64>();
            vec![(
                Layout::AsciiFixed {
                    row_chars: row as usize,
                },
                row,
            )]
        }
    } else {
        let mut v = vec![(Layout::Aligned { row_bytes }, row_bytes as u64)];
        if row_bits % 8 != 0 || params.iter().any(|p| p.bits % 8 != 0) {
            v.push((Layout::BitPacked { row_bits }, 0));
        }
        v
    };
    let expected_len = |layout: &Layout, n: u64| -> Option<u64> {
        match layout {
            Layout::Aligned { row_bytes } => n.checked_mul(*row_bytes as u64),
            Layout::AsciiFixed { row_chars } => n.checked_mul(*row_chars as u64),
            Layout::BitPacked { row_bits } => {
                n.checked_mul(*row_bits as u64).map(|b| b.div_ceil(8))
            }
            Layout::AsciiDelimited => None,
        }
    };
    let file_len = bytes.len() as u64;
    let abs = |c: &Candidate| -> (u64, u64) { (base as u64 + c.rel.0, base as u64 + c.rel.1) };
    if delimited {
        let c = &cands[0];
        let (s, e) = abs(c);
        if e < s || e >= file_len {
            return Err(FcsError::Inconsistent {
                keyword: c.end_keyword.clone(),
                offset: c.end_offset,
                message: format!("DATA {s}–{e} lies outside the file ({file_len} bytes)"),
            });
        }
        let n = tot.ok_or_else(|| FcsError::MissingKeyword {
            keyword: "$TOT".into(),
            offset: toff,
        })?;
        return Ok((
            Some(Segment {
                start: s as usize,
                end: e as usize,
            }),
            Layout::AsciiDelimited,
            n as usize,
        ));
    }
    // Without $TOT (allowed in FCS 2.0) the event count comes from the length.
    let tot_known = tot.is_some();
    let n_for = |len: u64, layout: &Layout| -> Option<u64> {
        match tot {
            Some(t) => Some(t),
            None => match layout {
                Layout::Aligned { row_bytes } if *row_bytes > 0 && len % *row_bytes as u64 == 0 => {
                    Some(len / *row_bytes as u64)
                }
                Layout::AsciiFixed { row_chars }
                    if *row_chars > 0 && len % *row_chars as u64 == 0 =>
                {
                    Some(len / *row_chars as u64)
                }
                _ => None,
            },
        }
    };
    let describe_expected = |layout: &Layout, n: u64| -> String {
        match layout {
            Layout::Aligned { row_bytes } => format!(
                "$TOT × Σ$PnB/8 = {n} × {row_bytes} = {} bytes",
                n.saturating_mul(*row_bytes as u64)
            ),
            Layout::BitPacked { row_bits } => format!(
                "$TOT × Σ$PnB bits = {n} × {row_bits} bits = {} bytes",
                n.saturating_mul(*row_bits as u64).div_ceil(8)
            ),
            Layout::AsciiFixed { row_chars } => format!(
                "$TOT × Σ$PnB characters = {n} × {row_chars} = {} bytes",
                n.saturating_mul(*row_chars as u64)
            ),
            Layout::AsciiDelimited => "unknown".into(),
        }
    };
    // Rule 1: exact and inside the file.
    let mut exact: Vec<(usize, Layout, u64)> = Vec::new();
    for (ci, c) in cands.iter().enumerate() {
        let (s, e) = abs(c);
        if e < s || e >= file_len {
            continue;
        }
        let len = e - s + 1;
        for (layout, _) in &layouts {
            if let Some(n) = n_for(len, layout) {
                if expected_len(layout, n) == Some(len) {
                    exact.push((ci, *layout, n));
                    break;
                }
            }
        }
    }
    let other_note = |chosen: &Candidate, layout: &Layout, n: u64| -> Option<Notice> {
        let other = cands.iter().find(|c| c.source != chosen.source)?;
        Some(Notice {
            keyword: other.start_keyword.clone(),
            offset: other.start_offset,
            message: format!(
                "{} DATA offsets {}–{} disagree with {} offsets {}–{}; used the {} offsets, whose length matches {}",
                other.source,
                other.rel.0,
                other.rel.1,
                chosen.source,
                chosen.rel.0,
                chosen.rel.1,
                chosen.source,
                describe_expected(layout, n)
            ),
        })
    };
    if let Some(&(ci, layout, n)) = exact.first() {
        if exact.len() > 1
            && exact[0].0 != exact[1].0
            && abs(&cands[exact[0].0]) != abs(&cands[exact[1].0])
        {
            let (a, b) = (&cands[exact[0].0], &cands[exact[1].0]);
            return Err(FcsError::Inconsistent {
                keyword: b.start_keyword.clone(),
                offset: b.start_offset,
                message: format!(
                    "{} DATA offsets {}–{} and {} offsets {}–{} both have the expected length ({}); cannot tell which is right",
                    a.source,
                    a.rel.0,
                    a.rel.1,
                    b.source,
                    b.rel.0,
                    b.rel.1,
                    describe_expected(&layout, n)
                ),
            });
        }
        let c = &cands[ci];
        if let Some(r) = other_note(c, &layout, n) {
            repairs.push(r);
        }
        if !tot_known {
            notes.push(Notice {
                keyword: "$TOT".into(),
                offset: toff,
                message: format!("absent; {n} events computed from the DATA length"),
            });
        }
        if let Layout::BitPacked { .. } = layout {
            notes.push(Notice {
                keyword: "$PnB".into(),
                offset: toff,
                message: "integer widths that are not multiples of 8 bits; DATA read as a packed bit stream".into(),
            });
        }
        let (s, e) = abs(c);
        return Ok((
            Some(Segment {
                start: s as usize,
                end: e as usize,
            }),
            layout,
            n as usize,
        ));
    }
    // Rule 2: one byte too long, inside the file.
    for c in &cands {
        let (s, e) = abs(c);
        if e < s || e >= file_len || e == s {
            continue;
        }
        let len = e - s + 1;
        let (layout, _) = layouts[0];
        let Some(n) = n_for(len - 1, &layout) else {
            continue;
        };
        if expected_len(&layout, n) == Some(len - 1) {
            repairs.push(Notice {
                keyword: c.end_keyword.clone(),
                offset: c.end_offset,
                message: format!(
                    "DATA end {} is one byte past the end of the data (segment {} bytes, expected {}); read {} bytes",
                    c.rel.1,
                    len,
                    describe_expected(&layout, n),
                    len - 1
                ),
            });
            if let Some(mut r) = other_note(c, &layout, n) {
                r.message.push_str(" after the one-byte repair");
                repairs.push(r);
            }
            return Ok((
                Some(Segment {
                    start: s as usize,
                    end: (e - 1) as usize,
                }),
                layout,
                n as usize,
            ));
        }
    }
    // Rule 3: end == start (iQue), with $TOT known.
    if let Some(n) = tot {
        for c in &cands {
            let (s, e) = abs(c);
            if e != s {
                continue;
            }
            let (layout, _) = layouts[0];
            let Some(len) = expected_len(&layout, n) else {
                continue;
            };
            if len > 0 && s + len <= file_len {
                repairs.push(Notice {
                    keyword: c.end_keyword.clone(),
                    offset: c.end_offset,
                    message: format!(
                        "DATA end equals its start ({}); the end was computed from {}",
                        c.rel.0,
                        describe_expected(&layout, n)
                    ),
                });
                return Ok((
                    Some(Segment {
                        start: s as usize,
                        end: (s + len - 1) as usize,
                    }),
                    layout,
                    n as usize,
                ));
            }
        }
        if n == 0 {
            return Ok((None, layouts[0].0, 0));
        }
    }
    // Rule 4: refuse.
    let c = &cands[0];
    let (s, e) = abs(c);
    let (layout, _) = layouts[0];
    let expect = match tot {
        Some(n) => describe_expected(&layout, n),
        None => "a whole number of events (no $TOT)".into(),
    };
    let msg = if e < s {
        format!("DATA end {} is before its start {}", c.rel.1, c.rel.0)
    } else if e >= file_len {
        format!(
            "DATA {}–{} ends past the end of the file ({file_len} bytes); expected {expect}",
            c.rel.0, c.rel.1
        )
    } else {
        format!(
            "DATA {}–{} holds {} bytes but the keywords imply {expect}",
            c.rel.0,
            c.rel.1,
            e - s + 1
        )
    };
    let msg = if cands.len() > 1 {
        let o = &cands[1];
        format!(
            "{msg}; the {} offsets {}–{} do not fit either",
            o.source, o.rel.0, o.rel.1
        )
    } else {
        msg
    };
    Err(FcsError::Inconsistent {
        keyword: c.end_keyword.clone(),
        offset: c.end_offset,
        message: msg,
    })
}

/// Keywords as (key, value) for convenience.
pub fn keyword_pairs(ds: &DataSet) -> Vec<(&str, &str)> {
    ds.keywords
        .iter()
        .map(|k: &Keyword| (k.key.as_str(), k.value.as_str()))
        .collect()
}
