//! Microplate formats and well addresses.
//!
//! A [`Well`] stores **0-based** row and column indices (row 0 = `A`,
//! column 0 = column `1`). Its one canonical text form is the row letter
//! followed by a **two-digit, zero-padded** column number: `A01`, `H12`,
//! `P24`. Two digits cover both supported formats and make well names sort
//! in plate order as text. Parsing is lenient: `A1`, `A01`, `a1`, ` p24 `
//! are all accepted.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A microplate format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlateFormat {
    /// 96 wells: 8 rows (A–H) × 12 columns.
    Wells96,
    /// 384 wells: 16 rows (A–P) × 24 columns.
    Wells384,
}

impl PlateFormat {
    /// Number of rows (8 or 16).
    pub const fn rows(self) -> u8 {
        match self {
            PlateFormat::Wells96 => 8,
            PlateFormat::Wells384 => 16,
        }
    }

    /// Number of columns (12 or 24).
    pub const fn cols(self) -> u8 {
        match self {
            PlateFormat::Wells96 => 12,
            PlateFormat::Wells384 => 24,
        }
    }

    /// Number of wells (96 or 384).
    pub const fn n_wells(self) -> usize {
        self.rows() as usize * self.cols() as usize
    }

    /// The format with exactly these dimensions.
    pub fn from_dims(rows: usize, cols: usize) -> Option<PlateFormat> {
        match (rows, cols) {
            (8, 12) => Some(PlateFormat::Wells96),
            (16, 24) => Some(PlateFormat::Wells384),
            _ => None,
        }
    }

    /// The format with this many columns (12 or 24).
    pub fn from_cols(cols: usize) -> Option<PlateFormat> {
        match cols {
            12 => Some(PlateFormat::Wells96),
            24 => Some(PlateFormat::Wells384),
            _ => None,
        }
    }

    /// The smallest supported format that contains `well`.
    pub fn smallest_containing(well: Well) -> Option<PlateFormat> {
        [PlateFormat::Wells96, PlateFormat::Wells384]
            .into_iter()
            .find(|f| f.contains(well))
    }

    /// True when `well` lies on this plate.
    pub fn contains(self, well: Well) -> bool {
        well.row < self.rows() && well.col < self.cols()
    }

    /// Row-major index of `well` (A01 = 0, A02 = 1 …), `None` off the plate.
    pub fn index(self, well: Well) -> Option<usize> {
        self.contains(well)
            .then(|| well.row as usize * self.cols() as usize + well.col as usize)
    }

    /// The well at row-major `index`.
    pub fn well(self, index: usize) -> Option<Well> {
        (index < self.n_wells()).then(|| Well {
            row: (index / self.cols() as usize) as u8,
            col: (index % self.cols() as usize) as u8,
        })
    }

    /// All wells in row-major order.
    pub fn wells(self) -> impl Iterator<Item = Well> {
        (0..self.n_wells()).filter_map(move |i| self.well(i))
    }
}

impl fmt::Display for PlateFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-well", self.n_wells())
    }
}

impl FromStr for PlateFormat {
    type Err = String;

    /// Parses `96`, `384`, `96-well`, `384well` (case ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        let t = t.trim_end_matches("well").trim_end_matches(['-', ' ']);
        match t {
            "96" => Ok(PlateFormat::Wells96),
            "384" => Ok(PlateFormat::Wells384),
            _ => Err(format!("unknown plate format '{s}' (expected 96 or 384)")),
        }
    }
}

impl Serialize for PlateFormat {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.n_wells() as u16)
    }
}

impl<'de> Deserialize<'de> for PlateFormat {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u16::deserialize(d)?;
        match n {
            96 => Ok(PlateFormat::Wells96),
            384 => Ok(PlateFormat::Wells384),
            _ => Err(serde::de::Error::custom(format!(
                "unknown plate format {n} (expected 96 or 384)"
            ))),
        }
    }
}

/// A well address with 0-based indices. Ordering is row-major (A01 < A02 <
/// B01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Well {
    /// 0-based row index (0 = `A`, 15 = `P`).
    pub row: u8,
    /// 0-based column index (0 = column `1`).
    pub col: u8,
}

/// Largest row letter accepted (`P`, 384-well plates).
const MAX_ROWS: u8 = 16;
/// Largest column number accepted (24, 384-well plates).
const MAX_COLS: u8 = 24;

/// Why a well name could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WellError {
    /// The text is empty.
    #[error("empty well name (expected a row letter A–P and a column 1–24, e.g. A01)")]
    Empty,
    /// The text is not a letter followed by a number.
    #[error("'{0}' is not a well name (expected a row letter A–P and a column 1–24, e.g. A01)")]
    Malformed(String),
    /// The row letter is beyond `P`.
    #[error("'{0}': row letter must be A–P")]
    RowOutOfRange(String),
    /// The column is 0 or beyond 24.
    #[error("'{0}': column must be 1–24")]
    ColumnOutOfRange(String),
    /// The well is valid but not on a plate of the given format.
    #[error("well {well} is not on a {format} plate")]
    NotOnPlate {
        /// The well.
        well: Well,
        /// The plate format.
        format: PlateFormat,
    },
}

impl Well {
    /// A well from 0-based indices.
    pub const fn new(row: u8, col: u8) -> Well {
        Well { row, col }
    }

    /// Row letter (`A`…; `?` for a row index beyond `Z`, which no parsed
    /// well has).
    pub fn row_letter(self) -> char {
        char::from_u32('A' as u32 + self.row as u32)
            .filter(char::is_ascii_uppercase)
            .unwrap_or('?')
    }

    /// 1-based column number.
    pub fn col_number(self) -> u16 {
        self.col as u16 + 1
    }

    /// True when the well lies on the outer ring of a plate of `format`
    /// (first or last row, first or last column).
    pub fn is_edge(self, format: PlateFormat) -> bool {
        self.row == 0
            || self.col == 0
            || self.row + 1 == format.rows()
            || self.col + 1 == format.cols()
    }

    /// Parses a well name and checks that it is on a plate of `format`.
    pub fn parse_in(text: &str, format: PlateFormat) -> Result<Well, WellError> {
        let w: Well = text.parse()?;
        if format.contains(w) {
            Ok(w)
        } else {
            Err(WellError::NotOnPlate { well: w, format })
        }
    }
}

impl fmt::Display for Well {
    /// Canonical form: row letter + two-digit column (`A01`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:02}", self.row_letter(), self.col_number())
    }
}

impl FromStr for Well {
    type Err = WellError;

    /// Accepts one letter A–P (any case) followed by a column number 1–24
    /// with optional leading zeros; surrounding whitespace is ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let mut chars = t.chars();
        let Some(letter) = chars.next() else {
            return Err(WellError::Empty);
        };
        let digits = chars.as_str();
        if !letter.is_ascii_alphabetic()
            || digits.is_empty()
            || digits.len() > 4
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(WellError::Malformed(t.to_string()));
        }
        let row = letter.to_ascii_uppercase() as u8 - b'A';
        if row >= MAX_ROWS {
            return Err(WellError::RowOutOfRange(t.to_string()));
        }
        let col: u16 = digits
            .parse()
            .map_err(|_| WellError::Malformed(t.to_string()))?;
        if col == 0 || col > MAX_COLS as u16 {
            return Err(WellError::ColumnOutOfRange(t.to_string()));
        }
        Ok(Well {
            row,
            col: (col - 1) as u8,
        })
    }
}

impl Serialize for Well {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Well {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays() {
        for (s, r, c) in [
            ("A1", 0, 0),
            ("A01", 0, 0),
            ("a1", 0, 0),
            (" P24 ", 15, 23),
            ("h012", 7, 11),
        ] {
            assert_eq!(s.parse::<Well>().unwrap(), Well::new(r, c), "{s}");
        }
        assert_eq!(Well::new(0, 0).to_string(), "A01");
        assert_eq!(Well::new(15, 23).to_string(), "P24");
        assert_eq!(Well::new(2, 9).to_string(), "C10");
    }

    #[test]
    fn parse_errors() {
        assert_eq!("".parse::<Well>(), Err(WellError::Empty));
        assert!(matches!(
            "Q1".parse::<Well>(),
            Err(WellError::RowOutOfRange(_))
        ));
        assert!(matches!(
            "A0".parse::<Well>(),
            Err(WellError::ColumnOutOfRange(_))
        ));
        assert!(matches!(
            "A25".parse::<Well>(),
            Err(WellError::ColumnOutOfRange(_))
        ));
        assert!(matches!("1A".parse::<Well>(), Err(WellError::Malformed(_))));
        assert!(matches!(
            "AA1".parse::<Well>(),
            Err(WellError::Malformed(_))
        ));
        assert!(matches!("A".parse::<Well>(), Err(WellError::Malformed(_))));
        assert!(matches!("µ1".parse::<Well>(), Err(WellError::Malformed(_))));
        assert!(matches!(
            Well::parse_in("I01", PlateFormat::Wells96),
            Err(WellError::NotOnPlate { .. })
        ));
        assert!(Well::parse_in("P24", PlateFormat::Wells384).is_ok());
    }

    #[test]
    fn edges_and_indices() {
        let f = PlateFormat::Wells96;
        assert_eq!(f.wells().filter(|w| w.is_edge(f)).count(), 36);
        let f = PlateFormat::Wells384;
        assert_eq!(f.wells().filter(|w| w.is_edge(f)).count(), 76);
        assert!(!Well::new(7, 5).is_edge(f));
        assert!(Well::new(7, 5).is_edge(PlateFormat::Wells96));
        assert_eq!(PlateFormat::Wells96.index(Well::new(1, 0)), Some(12));
        assert_eq!(PlateFormat::Wells96.well(95), Some(Well::new(7, 11)));
        assert_eq!(PlateFormat::Wells96.well(96), None);
        assert_eq!("384".parse::<PlateFormat>(), Ok(PlateFormat::Wells384));
        assert_eq!("96-well".parse::<PlateFormat>(), Ok(PlateFormat::Wells96));
        assert!(Well::new(0, 1) < Well::new(1, 0));
    }
}
