//! The model's parameter file (TOML): compounds, cell lines, MEN1 mutants,
//! the cell-fate constants, qPCR genes and flow markers.
//!
//! The bundled default is `crates/sim/data/params.toml` ([`DEFAULT_TOML`]);
//! every value there carries a comment naming its source (seed document,
//! reference table, domain notes) or the word "assumption" with the
//! reasoning. Users copy it, edit it and pass it back
//! (`preclin simulate --params FILE`).
//!
//! Parsing is two-step, as for `study.toml`: the document is read into raw
//! types keeping the byte span of every value ([`toml::Spanned`]); syntax
//! errors, unknown keys and type errors carry the span `toml` reports. The
//! raw values are then validated (positive rates, fractions in [0, 1],
//! known mechanisms, MEN1 shifts naming declared menin inhibitors, unique
//! names) and every finding is reported with its 1-based line and column,
//! all at once.
//!
//! Units: concentrations are written in nM in the file (keys end in `_nM`)
//! and held in molar here; rates are per hour.

use std::collections::BTreeMap;

mod parse;

pub use parse::{ParamDiagnostic, ParamsError, parse};

/// The bundled default parameter file.
pub const DEFAULT_TOML: &str = include_str!("../../data/params.toml");

/// 1 nM in molar.
pub const NANOMOLAR: f64 = 1e-9;

/// How a compound acts in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mechanism {
    /// Menin–KMT2A interaction inhibitor: occupies menin (competitive).
    Menin,
    /// FLT3 kinase inhibitor.
    Flt3,
    /// BCL2 inhibitor (BH3 mimetic).
    Bcl2,
    /// DOT1L methyltransferase inhibitor: lowers the program.
    Dot1l,
    /// IKZF1 / IKZF3 degrader (CELMoD): lowers the program.
    Ikzf1Degrader,
    /// Non-specific cytotoxic (positive control).
    Cytotoxic,
}

impl Mechanism {
    pub(crate) const NAMES: [(&'static str, Mechanism); 6] = [
        ("menin", Mechanism::Menin),
        ("flt3", Mechanism::Flt3),
        ("bcl2", Mechanism::Bcl2),
        ("dot1l", Mechanism::Dot1l),
        ("ikzf1_degrader", Mechanism::Ikzf1Degrader),
        ("cytotoxic", Mechanism::Cytotoxic),
    ];

    pub(crate) fn from_name(s: &str) -> Option<Mechanism> {
        Self::NAMES.iter().find(|(n, _)| *n == s).map(|(_, m)| *m)
    }
}

/// Cell-fate and program constants shared by all cell lines (per hour).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelParams {
    /// Half-life of the program's relaxation to its target (h): k = ln 2 / t½.
    pub program_half_life_h: f64,
    /// Differentiation rate of undifferentiated cells at full program (1/h).
    pub diff_basal_per_h: f64,
    /// Extra differentiation rate at complete program loss (1/h).
    pub diff_max_per_h: f64,
    /// Program loss (1 − P) at half the extra differentiation rate.
    pub diff_half_loss: f64,
    /// Hill exponent of differentiation in program loss.
    pub diff_hill: f64,
    /// Fraction of the division rate kept at complete program loss.
    pub prolif_floor: f64,
    /// Death rate of undifferentiated cells without drug (1/h).
    pub basal_death_per_h: f64,
    /// Death rate of differentiated (non-dividing) cells (1/h).
    pub differentiated_death_per_h: f64,
    /// Apoptosis rate at full BCL2 / FLT3 / cytotoxic engagement (1/h).
    pub apoptosis_max_per_h: f64,
    /// Share of the program a DOT1L inhibitor removes at saturation.
    pub dot1l_program_share: f64,
    /// Share of the program IKZF1 degradation removes at saturation.
    pub ikzf1_program_share: f64,
    /// Dependence on FLT3 signalling of an FLT3-ITD line (0–1).
    pub flt3_itd_dependence: f64,
    /// Dependence on FLT3 signalling of an FLT3 wild-type line (0–1).
    pub flt3_wt_dependence: f64,
    /// Exponent of FLT3 expression in the program: E_FLT3 = P^s.
    pub flt3_program_exponent: f64,
    /// Exponent of BCL2 expression in the program: E_BCL2 = P^s.
    pub bcl2_program_exponent: f64,
}

/// A compound.
#[derive(Debug, Clone, PartialEq)]
pub struct Compound {
    /// Name.
    pub name: String,
    /// Other names.
    pub aliases: Vec<String>,
    /// How it acts.
    pub mechanism: Mechanism,
    /// Target (for study.toml).
    pub target: String,
    /// Class (for study.toml).
    pub class: String,
    /// Potency at the target (molar): Kd for menin, IC50 for kinases /
    /// BCL2 / DOT1L, DC50 for degraders, EC50 of cytotoxicity.
    pub potency_molar: f64,
    /// Hill exponent of target engagement.
    pub hill: f64,
    /// Free (active) fraction in culture medium with serum.
    pub free_fraction: f64,
    /// Off-target cytotoxicity EC50 (molar), if any.
    pub cytotoxic_molar: Option<f64>,
    /// Molecular weight (g/mol), if known.
    pub molecular_weight: Option<f64>,
}

impl Compound {
    /// True if `name` is the compound's name or an alias (case-insensitive).
    pub fn is_named(&self, name: &str) -> bool {
        let k = name.trim().to_lowercase();
        self.name.to_lowercase() == k || self.aliases.iter().any(|a| a.to_lowercase() == k)
    }
}

/// A cell line or primary model.
#[derive(Debug, Clone, PartialEq)]
pub struct CellLine {
    /// Name.
    pub name: String,
    /// Other names (the first alias, if any, is used in file names).
    pub aliases: Vec<String>,
    /// `human` or `mouse`.
    pub species: String,
    /// KMT2A fusion, if rearranged.
    pub kmt2a_fusion: Option<String>,
    /// NPM1c mutant.
    pub npm1c: bool,
    /// Non-malignant line (selectivity reference).
    pub normal: bool,
    /// Dependence of the program on the menin–KMT2A axis (0–1).
    pub menin_dependence: f64,
    /// FLT3-ITD.
    pub flt3_itd: bool,
    /// BCL2 dependence (apoptotic priming, 0–1).
    pub bcl2_dependence: f64,
    /// Doubling time without drug (h).
    pub doubling_time_h: f64,
    /// MTT absorbance (above blank) of vehicle wells at the read time.
    pub vehicle_signal: f64,
}

impl CellLine {
    /// The name used in file names and data files: the first alias without
    /// `;` or spaces if the name has them, else the name.
    pub fn file_name(&self) -> String {
        if self.name.contains([';', ' ', '/']) {
            if let Some(a) = self.aliases.first() {
                return a.clone();
            }
            return self.name.replace([';', ' ', '/'], "-");
        }
        self.name.clone()
    }

    /// True if `name` is the line's name or an alias (case-insensitive).
    pub fn is_named(&self, name: &str) -> bool {
        let k = name.trim().to_lowercase();
        self.name.to_lowercase() == k || self.aliases.iter().any(|a| a.to_lowercase() == k)
    }
}

/// A MEN1 mutant clone: fold shifts of menin affinity per compound.
#[derive(Debug, Clone, PartialEq)]
pub struct Men1Mutant {
    /// Mutation (e.g. `M327I`).
    pub name: String,
    /// Compound name → fold increase of its Kd (1 = unaffected).
    pub shift: BTreeMap<String, f64>,
}

impl Men1Mutant {
    /// The fold shift for a compound (1 if not listed).
    pub fn shift_for(&self, compound: &str) -> f64 {
        self.shift.get(compound).copied().unwrap_or(1.0)
    }
}

/// A qPCR gene.
#[derive(Debug, Clone, PartialEq)]
pub struct Gene {
    /// Symbol.
    pub name: String,
    /// Expression = P^exponent (0 for reference genes).
    pub program_exponent: f64,
    /// Mean Ct under vehicle.
    pub ct_vehicle: f64,
    /// Reference (housekeeping) gene.
    pub reference: bool,
}

/// A flow-cytometry marker.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Marker (e.g. `CD11b`).
    pub name: String,
    /// FCS channel `$PnN`.
    pub channel: String,
    /// `$PnS` label.
    pub label: String,
    /// % positive among undifferentiated cells.
    pub undifferentiated_pct: f64,
    /// % positive among differentiated cells.
    pub differentiated_pct: f64,
}

/// The validated parameter set.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Cell-fate constants.
    pub model: ModelParams,
    /// Compounds.
    pub compounds: Vec<Compound>,
    /// Cell lines.
    pub cell_lines: Vec<CellLine>,
    /// MEN1 mutants.
    pub men1_mutants: Vec<Men1Mutant>,
    /// qPCR genes.
    pub genes: Vec<Gene>,
    /// Flow markers.
    pub markers: Vec<Marker>,
}

impl Params {
    /// The bundled defaults.
    pub fn bundled() -> Params {
        parse(DEFAULT_TOML).expect("the bundled parameter file is valid (tested)")
    }

    /// The compound called `name` (or alias).
    pub fn compound(&self, name: &str) -> Option<&Compound> {
        self.compounds.iter().find(|c| c.is_named(name))
    }

    /// The cell line called `name` (or alias).
    pub fn cell_line(&self, name: &str) -> Option<&CellLine> {
        self.cell_lines.iter().find(|c| c.is_named(name))
    }

    /// The MEN1 mutant called `name`.
    pub fn men1_mutant(&self, name: &str) -> Option<&Men1Mutant> {
        self.men1_mutants
            .iter()
            .find(|m| m.name.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_file_is_valid_and_complete() {
        let p = Params::bundled();
        for name in [
            "MI-503",
            "revumenib",
            "bleximenib",
            "venetoclax",
            "mezigdomide",
        ] {
            assert!(p.compound(name).is_some(), "{name}");
        }
        for name in ["MV4-11", "MOLM-13", "KOPN-8", "SEM", "MLL-AF9", "HEK293"] {
            assert!(p.cell_line(name).is_some(), "{name}");
        }
        let m = p.men1_mutant("M327I").unwrap();
        assert!(m.shift_for("revumenib") > 10.0 * m.shift_for("bleximenib"));
        assert_eq!(p.compound("MI503").unwrap().name, "MI-503");
        assert!((p.compound("MI-503").unwrap().potency_molar / 1e-9 - 30.6).abs() < 1e-6);
    }

    #[test]
    fn every_value_line_has_a_source_comment() {
        for (i, line) in DEFAULT_TOML.lines().enumerate() {
            let t = line.trim();
            let is_value = t.contains(" = ")
                && !t.starts_with('#')
                && !t.starts_with("name")
                && !t.starts_with("aliases")
                && !t.starts_with('[');
            if is_value {
                assert!(t.contains('#'), "line {}: no source comment: {t}", i + 1);
            }
        }
    }
}
