//! Plate maps (what is in each well) and plate-level metadata tables.
//!
//! # Layout table
//! One row per well definition, CSV/TSV or a workbook sheet (see
//! [`crate::table`] for the file rules):
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `well` | yes | well name (`A1`, `A01`, `a1`) |
//! | `role` | yes | `sample`, `vehicle`, `blank`, `untreated`, `positive` (see [`Role`]) |
//! | `plate` | no | plate id the row applies to; empty or no column = every plate |
//! | `compound` | no | compound name |
//! | `dose` | samples | concentration, a number ≥ 0, in `dose_unit` |
//! | `dose_unit` | samples | unit parsed by [`ConcUnit`] (`nM`, `uM`, `µM`, `ng/mL` …) |
//! | `cell_line` | no | cell line of the well |
//! | anything else | no | carried through as string metadata (`replicate`, `batch` …) |
//!
//! ```text
//! well,role,compound,dose,dose_unit,cell_line
//! A01,blank,,,,
//! B02,vehicle,DMSO,0,,MOLM-13
//! B03,sample,revumenib,1000,nM,MOLM-13
//! ```
//!
//! Rules: a `sample` row needs a dose and a unit; any row with a dose needs
//! it to be a non-negative number, and a unit when the dose is not 0. A row
//! for a specific plate **overrides** an all-plates row for the same well; two
//! rows for the same well and the same plate (or both for all plates) are an
//! error. Errors give the file and line.
//!
//! # Plate-info table
//! `plate` (required) plus any columns of plate-level metadata, e.g.
//! `plate,cell_line,replicate,experiment,day,time_zero`. `cell_line` is used to
//! match time-zero plates; `time_zero` (`true`/`false`, `yes`/`no`, `1`/`0`,
//! `y`/`n`, `t`/`f`; empty = false) marks the plates read at the time of
//! treatment (NCI-60 Tz, GR x0). All other columns become metadata of every
//! well of the plate.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use preclin_curve::units::{ConcUnit, UnitError};
use serde::{Deserialize, Serialize};

use crate::plate::{PlateFormat, Well};
use crate::table::{Table, TableError, TableOptions};

/// What a well holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Cells treated with a compound at a dose.
    Sample,
    /// Cells with the solvent only: the 100 % (maximum-signal) control.
    /// Synonym accepted on input: `DMSO`.
    Vehicle,
    /// No cells (medium + reagent): the background. Synonyms: `media`,
    /// `medium`, `empty`.
    Blank,
    /// Cells without any addition.
    Untreated,
    /// Cells with a reference cytotoxic treatment: the minimum-signal control
    /// for Z′.
    Positive,
}

impl Role {
    /// The canonical lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Sample => "sample",
            Role::Vehicle => "vehicle",
            Role::Blank => "blank",
            Role::Untreated => "untreated",
            Role::Positive => "positive",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    /// Case-insensitive; accepts the synonyms listed on each variant.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sample" => Ok(Role::Sample),
            "vehicle" | "dmso" => Ok(Role::Vehicle),
            "blank" | "media" | "medium" | "empty" => Ok(Role::Blank),
            "untreated" => Ok(Role::Untreated),
            "positive" => Ok(Role::Positive),
            _ => Err(s.trim().to_string()),
        }
    }
}

/// One well definition of a layout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WellDef {
    /// 1-based line of the definition in the layout file.
    pub line: usize,
    /// Plate the row applies to (`None` = every plate).
    pub plate: Option<String>,
    /// The well.
    pub well: Well,
    /// What it holds.
    pub role: Role,
    /// Compound name.
    pub compound: Option<String>,
    /// Dose in `dose_unit`.
    pub dose: Option<f64>,
    /// Unit of `dose`.
    pub dose_unit: Option<ConcUnit>,
    /// Cell line.
    pub cell_line: Option<String>,
    /// Further columns (non-empty cells only), keyed by column name.
    pub metadata: BTreeMap<String, String>,
}

/// A plate map.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Layout {
    /// File the layout was read from.
    pub source: String,
    /// Definitions in file order.
    pub wells: Vec<WellDef>,
}

/// Errors in a layout or plate-info table; each names the file and line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LayoutError {
    /// The table itself could not be read, or a required column is missing.
    #[error(transparent)]
    Table(#[from] TableError),
    /// A well name is invalid.
    #[error("{file}, line {line}, column 'well': {reason}")]
    BadWell {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// Why the name is invalid.
        reason: String,
    },
    /// The role is not one of the known roles.
    #[error(
        "{file}, line {line}, column 'role': unknown role '{value}' (expected sample, vehicle or DMSO, blank or media/medium/empty, untreated, positive)"
    )]
    UnknownRole {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// The cell text.
        value: String,
    },
    /// A sample well has no dose.
    #[error("{file}, line {line}: sample well {well} has no dose (column 'dose')")]
    MissingDose {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// The well.
        well: Well,
    },
    /// A dose is given without a unit.
    #[error(
        "{file}, line {line}: well {well} has a dose but no unit (column 'dose_unit', e.g. nM, uM)"
    )]
    MissingUnit {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// The well.
        well: Well,
    },
    /// The dose is not a number.
    #[error("{file}, line {line}, column 'dose': expected a non-negative number, found '{value}'")]
    BadDose {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// The cell text.
        value: String,
    },
    /// The dose is negative.
    #[error("{file}, line {line}, column 'dose': dose must not be negative, found {value}")]
    NegativeDose {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// The dose.
        value: f64,
    },
    /// The unit is not a known concentration unit.
    #[error("{file}, line {line}, column 'dose_unit': {cause}")]
    BadUnit {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// Unit parser error (in the message, not chained).
        cause: UnitError,
    },
    /// The same well is defined twice for the same plate.
    #[error("{file}, line {line}: well {well} {} is already defined on line {first_line}", .plate.as_ref().map(|p| format!("of plate '{p}'")).unwrap_or_else(|| "(all plates)".into()))]
    DuplicateWell {
        /// File name.
        file: String,
        /// 1-based line of the repeat.
        line: usize,
        /// 1-based line of the first definition.
        first_line: usize,
        /// Plate (`None` = all plates).
        plate: Option<String>,
        /// The well.
        well: Well,
    },
    /// A plate-info row has no plate id.
    #[error("{file}, line {line}, column 'plate': empty plate id")]
    MissingPlate {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
    },
    /// A plate appears twice in a plate-info table.
    #[error("{file}, line {line}: plate '{plate}' is already described on line {first_line}")]
    DuplicatePlate {
        /// File name.
        file: String,
        /// 1-based line of the repeat.
        line: usize,
        /// 1-based line of the first row.
        first_line: usize,
        /// Plate id.
        plate: String,
    },
    /// A yes/no cell could not be read.
    #[error(
        "{file}, line {line}, column '{column}': expected true/false (yes/no, 1/0), found '{value}'"
    )]
    BadBool {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// Column name.
        column: String,
        /// The cell text.
        value: String,
    },
}

/// Column names with a meaning in a layout; every other column is metadata.
pub const LAYOUT_COLUMNS: [&str; 7] = [
    "well",
    "role",
    "plate",
    "compound",
    "dose",
    "dose_unit",
    "cell_line",
];

impl Layout {
    /// Reads a layout file (text or first sheet).
    pub fn read(path: impl AsRef<Path>) -> Result<Layout, LayoutError> {
        Self::from_table(&Table::read(path)?)
    }

    /// Reads a layout with a sheet or delimiter choice.
    pub fn read_with(path: impl AsRef<Path>, opts: &TableOptions) -> Result<Layout, LayoutError> {
        Self::from_table(&Table::read_with(path, opts)?)
    }

    /// Builds and validates a layout from a table.
    pub fn from_table(table: &Table) -> Result<Layout, LayoutError> {
        let file = table.source.clone();
        let wc = table.column("well")?;
        let rc = table.column("role")?;
        let pc = table.find_column("plate");
        let cc = table.find_column("compound");
        let dc = table.find_column("dose");
        let uc = table.find_column("dose_unit");
        let lc = table.find_column("cell_line");
        let meta_cols: Vec<usize> = (0..table.headers.len())
            .filter(|&i| {
                !LAYOUT_COLUMNS
                    .iter()
                    .any(|n| table.headers[i].eq_ignore_ascii_case(n))
            })
            .collect();
        let mut seen: HashMap<(Option<String>, Well), usize> = HashMap::new();
        let mut wells = Vec::with_capacity(table.rows.len());
        for row in &table.rows {
            let line = row.line;
            let well: Well =
                row.get(wc)
                    .parse()
                    .map_err(|e: crate::plate::WellError| LayoutError::BadWell {
                        file: file.clone(),
                        line,
                        reason: e.to_string(),
                    })?;
            let role: Role = row
                .get(rc)
                .parse()
                .map_err(|value| LayoutError::UnknownRole {
                    file: file.clone(),
                    line,
                    value,
                })?;
            let plate = pc.and_then(|c| row.text(c)).map(str::to_string);
            let dose = match dc {
                Some(c) => table.parse_f64(row, c).map_err(|_| LayoutError::BadDose {
                    file: file.clone(),
                    line,
                    value: row.get(c).to_string(),
                })?,
                None => None,
            };
            if let Some(d) = dose
                && d < 0.0
            {
                return Err(LayoutError::NegativeDose {
                    file: file.clone(),
                    line,
                    value: d,
                });
            }
            let dose_unit = match uc.and_then(|c| row.text(c)) {
                Some(u) => Some(
                    u.parse::<ConcUnit>()
                        .map_err(|cause| LayoutError::BadUnit {
                            file: file.clone(),
                            line,
                            cause,
                        })?,
                ),
                None => None,
            };
            if role == Role::Sample && dose.is_none() {
                return Err(LayoutError::MissingDose {
                    file: file.clone(),
                    line,
                    well,
                });
            }
            let needs_unit = role == Role::Sample || dose.is_some_and(|d| d != 0.0);
            if needs_unit && dose_unit.is_none() {
                return Err(LayoutError::MissingUnit {
                    file: file.clone(),
                    line,
                    well,
                });
            }
            if let Some(&first_line) = seen.get(&(plate.clone(), well)) {
                return Err(LayoutError::DuplicateWell {
                    file: file.clone(),
                    line,
                    first_line,
                    plate,
                    well,
                });
            }
            seen.insert((plate.clone(), well), line);
            let metadata = meta_cols
                .iter()
                .filter_map(|&c| {
                    row.text(c)
                        .map(|v| (table.headers[c].clone(), v.to_string()))
                })
                .collect();
            wells.push(WellDef {
                line,
                plate,
                well,
                role,
                compound: cc.and_then(|c| row.text(c)).map(str::to_string),
                dose,
                dose_unit,
                cell_line: lc.and_then(|c| row.text(c)).map(str::to_string),
                metadata,
            });
        }
        Ok(Layout {
            source: file,
            wells,
        })
    }

    /// Definitions that apply to plate `plate`, indexed row-major for
    /// `format`: a row for this plate wins over an all-plates row; wells that
    /// are not defined are `None`. Definitions off the plate are returned in
    /// the second vector (the caller decides whether that is an error).
    pub fn resolve(
        &self,
        plate: &str,
        format: PlateFormat,
    ) -> (Vec<Option<&WellDef>>, Vec<&WellDef>) {
        let mut out: Vec<Option<&WellDef>> = vec![None; format.n_wells()];
        let mut off = Vec::new();
        // All-plates rows first, then plate-specific rows override them.
        for specific in [false, true] {
            for d in &self.wells {
                let applies = match &d.plate {
                    None => !specific,
                    Some(p) => specific && p == plate,
                };
                if !applies {
                    continue;
                }
                match format.index(d.well) {
                    Some(i) => out[i] = Some(d),
                    None => off.push(d),
                }
            }
        }
        (out, off)
    }

    /// True when at least one row applies to `plate` (an all-plates row or
    /// one naming it).
    pub fn covers(&self, plate: &str) -> bool {
        self.wells
            .iter()
            .any(|d| d.plate.as_deref().is_none_or(|p| p == plate))
    }

    /// Plate ids named in the `plate` column.
    pub fn named_plates(&self) -> BTreeSet<&str> {
        self.wells
            .iter()
            .filter_map(|d| d.plate.as_deref())
            .collect()
    }
}

/// Plate-level metadata for one plate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlateMeta {
    /// 1-based line in the plate-info file.
    pub line: usize,
    /// Plate id.
    pub plate: String,
    /// Cell line on the plate (column `cell_line`).
    pub cell_line: Option<String>,
    /// True for a time-zero plate (column `time_zero`).
    pub time_zero: bool,
    /// Every other non-empty column, keyed by column name.
    pub metadata: BTreeMap<String, String>,
}

/// A plate-info table.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct PlateInfo {
    /// File it was read from.
    pub source: String,
    /// One entry per plate, in file order.
    pub plates: Vec<PlateMeta>,
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "no" | "n" | "0" | "f" => Some(false),
        "true" | "yes" | "y" | "1" | "t" => Some(true),
        _ => None,
    }
}

impl PlateInfo {
    /// Reads a plate-info file (text or first sheet).
    pub fn read(path: impl AsRef<Path>) -> Result<PlateInfo, LayoutError> {
        Self::from_table(&Table::read(path)?)
    }

    /// Builds and validates a plate-info table.
    pub fn from_table(table: &Table) -> Result<PlateInfo, LayoutError> {
        let file = table.source.clone();
        let pc = table.column("plate")?;
        let lc = table.find_column("cell_line");
        let tc = table.find_column("time_zero");
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut plates = Vec::new();
        for row in &table.rows {
            let line = row.line;
            let plate = row
                .text(pc)
                .ok_or_else(|| LayoutError::MissingPlate {
                    file: file.clone(),
                    line,
                })?
                .to_string();
            if let Some(&first_line) = seen.get(&plate) {
                return Err(LayoutError::DuplicatePlate {
                    file: file.clone(),
                    line,
                    first_line,
                    plate,
                });
            }
            seen.insert(plate.clone(), line);
            let time_zero = match tc {
                Some(c) => parse_bool(row.get(c)).ok_or_else(|| LayoutError::BadBool {
                    file: file.clone(),
                    line,
                    column: table.headers[c].clone(),
                    value: row.get(c).to_string(),
                })?,
                None => false,
            };
            let metadata = (0..table.headers.len())
                .filter(|&c| c != pc && Some(c) != lc && Some(c) != tc)
                .filter_map(|c| {
                    row.text(c)
                        .map(|v| (table.headers[c].clone(), v.to_string()))
                })
                .collect();
            plates.push(PlateMeta {
                line,
                plate,
                cell_line: lc.and_then(|c| row.text(c)).map(str::to_string),
                time_zero,
                metadata,
            });
        }
        Ok(PlateInfo {
            source: file,
            plates,
        })
    }

    /// Metadata of `plate`, if listed.
    pub fn get(&self, plate: &str) -> Option<&PlateMeta> {
        self.plates.iter().find(|p| p.plate == plate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(text: &str) -> Result<Layout, LayoutError> {
        Layout::from_table(&Table::parse_text(text, "layout.csv").unwrap())
    }

    #[test]
    fn roles_and_synonyms() {
        for (s, r) in [
            ("Sample", Role::Sample),
            ("DMSO", Role::Vehicle),
            ("media", Role::Blank),
            ("Medium", Role::Blank),
            ("EMPTY", Role::Blank),
            ("untreated", Role::Untreated),
            ("positive", Role::Positive),
        ] {
            assert_eq!(s.parse::<Role>().unwrap(), r);
        }
        assert!("control".parse::<Role>().is_err());
    }

    #[test]
    fn reads_layout_with_metadata() {
        let l = layout(
            "well,role,compound,dose,dose_unit,cell_line,replicate\n\
             A1,blank,,,,,\n\
             B2,DMSO,DMSO,0,,MOLM-13,1\n\
             B3,sample,revumenib,1000,nM,MOLM-13,1\n",
        )
        .unwrap();
        assert_eq!(l.wells.len(), 3);
        let s = &l.wells[2];
        assert_eq!(s.line, 4);
        assert_eq!(s.dose, Some(1000.0));
        assert_eq!(s.dose_unit, Some(ConcUnit::NanoM));
        assert_eq!(s.metadata.get("replicate").map(String::as_str), Some("1"));
        assert_eq!(l.wells[1].role, Role::Vehicle);
    }

    #[test]
    fn validation_errors_name_lines() {
        let e = layout("well,role,dose,dose_unit\nA1,sample,,nM\n").unwrap_err();
        assert!(matches!(e, LayoutError::MissingDose { line: 2, .. }), "{e}");
        let e = layout("well,role,dose,dose_unit\nA1,sample,5,\n").unwrap_err();
        assert!(matches!(e, LayoutError::MissingUnit { line: 2, .. }), "{e}");
        let e = layout("well,role,dose,dose_unit\nA1,sample,-5,nM\n").unwrap_err();
        assert!(
            matches!(e, LayoutError::NegativeDose { line: 2, .. }),
            "{e}"
        );
        let e = layout("well,role,dose,dose_unit\nA1,sample,lots,nM\n").unwrap_err();
        assert!(matches!(e, LayoutError::BadDose { line: 2, .. }), "{e}");
        let e = layout("well,role,dose,dose_unit\nA1,sample,5,furlongs\n").unwrap_err();
        assert!(matches!(e, LayoutError::BadUnit { line: 2, .. }), "{e}");
        let e = layout("well,role\nA1,blank\n\nA01,vehicle\n").unwrap_err();
        assert!(
            matches!(
                e,
                LayoutError::DuplicateWell {
                    line: 4,
                    first_line: 2,
                    ..
                }
            ),
            "{e}"
        );
        let e = layout("well,role\nA1,blank\nZ9,vehicle\n").unwrap_err();
        assert!(matches!(e, LayoutError::BadWell { line: 3, .. }), "{e}");
        let e = layout("well,role\nA1,blank\nA2,control\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "layout.csv, line 3, column 'role': unknown role 'control' (expected sample, vehicle or DMSO, blank or media/medium/empty, untreated, positive)"
        );
        let e = layout("well,dose\nA1,1\n").unwrap_err();
        assert!(matches!(
            e,
            LayoutError::Table(TableError::MissingColumn { .. })
        ));
    }

    #[test]
    fn plate_specific_rows_override() {
        let l = layout("plate,well,role\n,A1,blank\nP2,A1,vehicle\nP2,A2,blank\nP1,A1,untreated\n")
            .unwrap();
        let (p2, off) = l.resolve("P2", PlateFormat::Wells96);
        assert!(off.is_empty());
        assert_eq!(p2[0].unwrap().role, Role::Vehicle);
        assert_eq!(p2[1].unwrap().role, Role::Blank);
        let (p3, _) = l.resolve("P3", PlateFormat::Wells96);
        assert_eq!(p3[0].unwrap().role, Role::Blank);
        assert!(p3[1].is_none());
        assert!(l.covers("P9"));
    }

    #[test]
    fn plate_info() {
        let t = Table::parse_text(
            "plate,cell_line,replicate,time_zero\nP1,MOLM-13,1,no\nT0,MOLM-13,,yes\n",
            "info.csv",
        )
        .unwrap();
        let info = PlateInfo::from_table(&t).unwrap();
        assert!(info.get("T0").unwrap().time_zero);
        assert_eq!(info.get("P1").unwrap().metadata["replicate"], "1");
        let t = Table::parse_text("plate,time_zero\nP1,maybe\n", "info.csv").unwrap();
        assert!(matches!(
            PlateInfo::from_table(&t),
            Err(LayoutError::BadBool { line: 2, .. })
        ));
        let t = Table::parse_text("plate,x\nP1,1\nP1,2\n", "info.csv").unwrap();
        assert!(matches!(
            PlateInfo::from_table(&t),
            Err(LayoutError::DuplicatePlate {
                line: 3,
                first_line: 2,
                ..
            })
        ));
    }
}
