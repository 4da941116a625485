//! The TEXT segment: keyword/value pairs.
//!
//! The first byte of the segment is the delimiter. Keywords and values are
//! separated by single delimiters; a delimiter inside a keyword or value is
//! written doubled (FCS 3.1 §3.2.9). A run of `k` delimiters therefore holds
//! `k / 2` literal delimiter characters, followed by one separator when `k`
//! is odd. Keywords are case-insensitive: look-ups compare upper-cased
//! keywords, and the first occurrence wins (the primary TEXT before the
//! supplemental TEXT). Leading and trailing blanks of keywords are dropped
//! (Apogee writes ` $P1N`). Text that is not UTF-8 is read as Latin-1.

use std::collections::HashMap;

use crate::error::{FcsError, Result};

/// One keyword/value pair and where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyword {
    /// The keyword as written (blanks trimmed), e.g. `$P1N` or `SPILL`.
    pub key: String,
    /// The value as written (delimiters unescaped, blanks kept).
    pub value: String,
    /// Absolute byte offset of the keyword in the file.
    pub offset: usize,
}

/// The keywords of one data set, in file order, with case-insensitive
/// look-up.
#[derive(Debug, Clone, Default)]
pub struct Keywords {
    list: Vec<Keyword>,
    index: HashMap<String, usize>,
}

impl Keywords {
    /// An empty set.
    pub fn new() -> Keywords {
        Keywords::default()
    }

    /// Adds a pair; returns false (and keeps the first) if the keyword is
    /// already present, ignoring case.
    pub fn push(&mut self, kw: Keyword) -> bool {
        let upper = kw.key.to_ascii_uppercase();
        if self.index.contains_key(&upper) {
            return false;
        }
        self.index.insert(upper, self.list.len());
        self.list.push(kw);
        true
    }

    /// The pair for `key` (case-insensitive).
    pub fn get_keyword(&self, key: &str) -> Option<&Keyword> {
        self.index
            .get(&key.to_ascii_uppercase())
            .map(|&i| &self.list[i])
    }

    /// The value of `key` (case-insensitive).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.get_keyword(key).map(|k| k.value.as_str())
    }

    /// The value of `key` with blanks trimmed, `None` when absent or blank.
    pub fn get_trimmed(&self, key: &str) -> Option<&str> {
        self.get(key).map(str::trim).filter(|s| !s.is_empty())
    }

    /// Every pair in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Keyword> {
        self.list.iter()
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True when there is no pair.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Absolute offset of `key`, or `fallback` when absent (for messages).
    pub fn offset_of(&self, key: &str, fallback: usize) -> usize {
        self.get_keyword(key).map_or(fallback, |k| k.offset)
    }
}

/// Decodes bytes as UTF-8, or as Latin-1 when they are not valid UTF-8.
pub fn decode_text(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => b.iter().map(|&c| c as char).collect(),
    }
}

/// Result of splitting a TEXT segment.
#[derive(Debug, Clone)]
pub struct ParsedText {
    /// The pairs, in order.
    pub pairs: Vec<Keyword>,
    /// Problems that were tolerated (odd field count, missing final
    /// delimiter), as messages.
    pub warnings: Vec<String>,
}

/// Splits a TEXT segment `seg` (first byte = delimiter) found at absolute
/// offset `base` into keyword/value pairs.
pub fn parse_text(seg: &[u8], base: usize) -> Result<ParsedText> {
    let Some(&delim) = seg.first() else {
        return Err(FcsError::Text {
            offset: base,
            message: "the TEXT segment is empty".into(),
        });
    };
    if delim.is_ascii_alphanumeric() || delim == b'$' {
        return Err(FcsError::Text {
            offset: base,
            message: format!(
                "the first byte {:?} cannot be a delimiter (it must not be a letter, digit or '$')",
                delim as char
            ),
        });
    }
    let mut warnings = Vec::new();
    // (bytes, absolute offset of the first byte)
    let mut fields: Vec<(Vec<u8>, usize)> = Vec::new();
    let mut cur = Vec::new();
    let mut cur_start = base + 1;
    let mut i = 1;
    let n = seg.len();
    while i < n {
        if seg[i] == delim {
            let mut j = i;
            while j < n && seg[j] == delim {
                j += 1;
            }
            let run = j - i;
            cur.extend(std::iter::repeat_n(delim, run / 2));
            if run % 2 == 1 {
                fields.push((std::mem::take(&mut cur), cur_start));
                cur_start = base + j;
            }
            i = j;
        } else {
            cur.push(seg[i]);
            i += 1;
        }
    }
    if !cur.is_empty() && cur.iter().any(|c| !c.is_ascii_whitespace() && *c != 0) {
        warnings.push(format!(
            "TEXT does not end with the delimiter {:?}; the last field was taken up to the segment end",
            delim as char
        ));
        fields.push((cur, cur_start));
    }
    if fields.len() % 2 == 1 {
        let (last, at) = fields.pop().expect("odd count is at least 1");
        warnings.push(format!(
            "odd number of TEXT fields: the last field {:?} at byte {at} has no value and was ignored",
            decode_text(&last)
        ));
    }
    let mut pairs = Vec::with_capacity(fields.len() / 2);
    for pair in fields.chunks_exact(2) {
        let key = decode_text(&pair[0].0);
        let lead = key.len() - key.trim_start().len();
        let key = key.trim().to_string();
        if key.is_empty() {
            warnings.push(format!(
                "empty keyword at byte {} (value {:?}) ignored",
                pair[0].1,
                decode_text(&pair[1].0)
            ));
            continue;
        }
        pairs.push(Keyword {
            key,
            value: decode_text(&pair[1].0),
            offset: pair[0].1 + lead,
        });
    }
    Ok(ParsedText { pairs, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_unescapes() {
        let t = parse_text(b"/$TOT/10/$P1N/a//b/$P1S/x///", 100).unwrap();
        let kv: Vec<(&str, &str)> = t
            .pairs
            .iter()
            .map(|k| (k.key.as_str(), k.value.as_str()))
            .collect();
        assert_eq!(kv, [("$TOT", "10"), ("$P1N", "a/b"), ("$P1S", "x/")]);
        assert_eq!(t.pairs[0].offset, 101);
        assert_eq!(t.pairs[1].offset, 109);
        assert!(t.warnings.is_empty());
    }

    #[test]
    fn tolerates_a_missing_final_delimiter_and_blanks() {
        let t = parse_text(b"|  $P1N|FSC|$TOT|5", 0).unwrap();
        assert_eq!(t.pairs[0].key, "$P1N");
        assert_eq!(t.pairs[0].offset, 3);
        assert_eq!(t.pairs[1].value, "5");
        assert_eq!(t.warnings.len(), 1);
    }

    #[test]
    fn case_insensitive_first_wins() {
        let mut k = Keywords::new();
        assert!(k.push(Keyword {
            key: "$tot".into(),
            value: "3".into(),
            offset: 0
        }));
        assert!(!k.push(Keyword {
            key: "$TOT".into(),
            value: "4".into(),
            offset: 9
        }));
        assert_eq!(k.get("$Tot"), Some("3"));
    }

    #[test]
    fn latin1_fallback() {
        assert_eq!(decode_text(&[b'a', 0xB5, b'm']), "aµm");
    }
}
