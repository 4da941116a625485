//! Concentration units.
//!
//! Doses are parsed together with their unit and kept in **molar** internally
//! ([`Molar`]); every output states the unit it is written in. Mass
//! concentrations (ng/mL, µg/mL, mg/mL, g/L …) need the compound's molecular
//! weight (g/mol) to be converted: c (mol/L) = c (g/L) / MW (g/mol).

use std::fmt;
use std::str::FromStr;

/// A concentration in mol/L. Plain `f64` newtype so that a molar value cannot
/// be confused with a value in the input's unit.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Molar(pub f64);

/// A concentration unit, molar or mass-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConcUnit {
    /// mol/L
    M,
    /// mmol/L
    MilliM,
    /// µmol/L (also written `uM`)
    MicroM,
    /// nmol/L
    NanoM,
    /// pmol/L
    PicoM,
    /// g/L (= mg/mL)
    GramPerL,
    /// mg/L (= µg/mL)
    MilliGramPerL,
    /// µg/L (= ng/mL)
    MicroGramPerL,
    /// ng/L (= pg/mL)
    NanoGramPerL,
}

/// Errors from unit parsing and conversion.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum UnitError {
    /// The text is not a known concentration unit.
    #[error(
        "unknown concentration unit '{0}' (expected one of M, mM, µM/uM, nM, pM, g/L, mg/mL, µg/mL/ug/mL, ng/mL, pg/mL)"
    )]
    Unknown(String),
    /// A mass unit was used without a molecular weight.
    #[error(
        "unit '{0}' is a mass concentration: a molecular weight (g/mol) is needed to convert it to molar"
    )]
    NeedsMolecularWeight(ConcUnit),
    /// The molecular weight is not a positive finite number.
    #[error("molecular weight must be a positive number of g/mol, got {0}")]
    BadMolecularWeight(f64),
}

impl ConcUnit {
    /// Every unit, in display order.
    pub const ALL: [ConcUnit; 9] = [
        ConcUnit::M,
        ConcUnit::MilliM,
        ConcUnit::MicroM,
        ConcUnit::NanoM,
        ConcUnit::PicoM,
        ConcUnit::GramPerL,
        ConcUnit::MilliGramPerL,
        ConcUnit::MicroGramPerL,
        ConcUnit::NanoGramPerL,
    ];

    /// True for the molar units (no molecular weight needed).
    pub fn is_molar(self) -> bool {
        matches!(
            self,
            ConcUnit::M | ConcUnit::MilliM | ConcUnit::MicroM | ConcUnit::NanoM | ConcUnit::PicoM
        )
    }

    /// Decimal exponent of this unit relative to mol/L (molar units) or g/L
    /// (mass units): 1 nM = 10^-9 M.
    fn exponent(self) -> i32 {
        match self {
            ConcUnit::M | ConcUnit::GramPerL => 0,
            ConcUnit::MilliM | ConcUnit::MilliGramPerL => -3,
            ConcUnit::MicroM | ConcUnit::MicroGramPerL => -6,
            ConcUnit::NanoM | ConcUnit::NanoGramPerL => -9,
            ConcUnit::PicoM => -12,
        }
    }

    /// Scales `value` by 10^`exp`, dividing by an exact power of ten for
    /// negative exponents so that 2.5 µM becomes exactly the double nearest
    /// 2.5e-6.
    fn scale(value: f64, exp: i32) -> f64 {
        if exp >= 0 {
            value * 10f64.powi(exp)
        } else {
            value / 10f64.powi(-exp)
        }
    }

    /// Canonical ASCII symbol used in output (`uM`, not `µM`, so that files
    /// stay ASCII; [`ConcUnit::pretty`] gives the typographic form).
    pub fn symbol(self) -> &'static str {
        match self {
            ConcUnit::M => "M",
            ConcUnit::MilliM => "mM",
            ConcUnit::MicroM => "uM",
            ConcUnit::NanoM => "nM",
            ConcUnit::PicoM => "pM",
            ConcUnit::GramPerL => "mg/mL",
            ConcUnit::MilliGramPerL => "ug/mL",
            ConcUnit::MicroGramPerL => "ng/mL",
            ConcUnit::NanoGramPerL => "pg/mL",
        }
    }

    /// Typographic symbol for figures (`µM`).
    pub fn pretty(self) -> &'static str {
        match self {
            ConcUnit::MicroM => "µM",
            ConcUnit::MilliGramPerL => "µg/mL",
            other => other.symbol(),
        }
    }

    /// Converts `value` in this unit to molar. `mw` (g/mol) is required for
    /// mass units and ignored for molar ones.
    pub fn to_molar(self, value: f64, mw: Option<f64>) -> Result<Molar, UnitError> {
        if self.is_molar() {
            return Ok(Molar(Self::scale(value, self.exponent())));
        }
        let mw = mw.ok_or(UnitError::NeedsMolecularWeight(self))?;
        if !(mw.is_finite() && mw > 0.0) {
            return Err(UnitError::BadMolecularWeight(mw));
        }
        Ok(Molar(Self::scale(value, self.exponent()) / mw))
    }

    /// Converts a molar value into this unit (inverse of [`ConcUnit::to_molar`]).
    pub fn from_molar(self, value: Molar, mw: Option<f64>) -> Result<f64, UnitError> {
        if self.is_molar() {
            return Ok(Self::scale(value.0, -self.exponent()));
        }
        let mw = mw.ok_or(UnitError::NeedsMolecularWeight(self))?;
        if !(mw.is_finite() && mw > 0.0) {
            return Err(UnitError::BadMolecularWeight(mw));
        }
        Ok(Self::scale(value.0 * mw, -self.exponent()))
    }

    /// Factor `k` such that `value_in_other = k * value_in_self`, for two
    /// units of the same kind (both molar or both mass). `None` across kinds.
    pub fn factor_to(self, other: ConcUnit) -> Option<f64> {
        (self.is_molar() == other.is_molar())
            .then(|| Self::scale(1.0, self.exponent() - other.exponent()))
    }
}

impl fmt::Display for ConcUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

impl FromStr for ConcUnit {
    type Err = UnitError;

    /// Parses a unit symbol. Accepts `µM`, `μM` (Greek mu), `uM`, `umol/L`,
    /// `nmol/l`, `ng/mL`, `ng/ml`, `mg/mL` … ; case matters only for the
    /// leading `M` vs `m` prefix (`mM` is millimolar, `M` molar).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let norm: String = t
            .chars()
            .map(|c| match c {
                'µ' | 'μ' => 'u',
                c => c,
            })
            .filter(|c| !c.is_whitespace())
            .collect();
        let unit = match norm.as_str() {
            "M" | "mol/L" | "mol/l" | "molar" => ConcUnit::M,
            "mM" | "mmol/L" | "mmol/l" => ConcUnit::MilliM,
            "uM" | "umol/L" | "umol/l" | "UM" => ConcUnit::MicroM,
            "nM" | "nmol/L" | "nmol/l" | "NM" => ConcUnit::NanoM,
            "pM" | "pmol/L" | "pmol/l" | "PM" => ConcUnit::PicoM,
            _ => {
                let lower = norm.to_ascii_lowercase();
                match lower.as_str() {
                    "g/l" | "mg/ml" => ConcUnit::GramPerL,
                    "mg/l" | "ug/ml" => ConcUnit::MilliGramPerL,
                    "ug/l" | "ng/ml" => ConcUnit::MicroGramPerL,
                    "ng/l" | "pg/ml" => ConcUnit::NanoGramPerL,
                    _ => return Err(UnitError::Unknown(t.to_string())),
                }
            }
        };
        Ok(unit)
    }
}

impl serde::Serialize for ConcUnit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.symbol())
    }
}

impl<'de> serde::Deserialize<'de> for ConcUnit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_spellings() {
        for (s, u) in [
            ("nM", ConcUnit::NanoM),
            ("µM", ConcUnit::MicroM),
            ("μM", ConcUnit::MicroM),
            ("uM", ConcUnit::MicroM),
            (" umol/L ", ConcUnit::MicroM),
            ("mM", ConcUnit::MilliM),
            ("M", ConcUnit::M),
            ("ng/mL", ConcUnit::MicroGramPerL),
            ("ng/ml", ConcUnit::MicroGramPerL),
            ("ug/mL", ConcUnit::MilliGramPerL),
            ("mg/mL", ConcUnit::GramPerL),
        ] {
            assert_eq!(s.parse::<ConcUnit>().unwrap(), u, "{s}");
        }
        assert!(matches!(
            "furlong".parse::<ConcUnit>(),
            Err(UnitError::Unknown(_))
        ));
        assert!("".parse::<ConcUnit>().is_err());
    }

    #[test]
    fn molar_round_trip() {
        let m = ConcUnit::MicroM.to_molar(2.5, None).unwrap();
        assert!((m.0 - 2.5e-6).abs() < 1e-20);
        let nm = ConcUnit::NanoM.from_molar(m, None).unwrap();
        assert!((nm - 2500.0).abs() < 1e-9);
        assert_eq!(ConcUnit::MicroM.factor_to(ConcUnit::NanoM), Some(1000.0));
        assert_eq!(ConcUnit::MicroM.factor_to(ConcUnit::MicroGramPerL), None);
    }

    #[test]
    fn mass_units_need_molecular_weight() {
        // MI-503: C28H27F3N8S ~ 564.6 g/mol; 564.6 ng/mL = 1 µM.
        assert_eq!(
            ConcUnit::MicroGramPerL.to_molar(1.0, None),
            Err(UnitError::NeedsMolecularWeight(ConcUnit::MicroGramPerL))
        );
        let m = ConcUnit::MicroGramPerL
            .to_molar(564.6, Some(564.6))
            .unwrap();
        assert!((m.0 - 1e-6).abs() < 1e-18);
        assert!(ConcUnit::MicroGramPerL.to_molar(1.0, Some(-3.0)).is_err());
        let back = ConcUnit::MicroGramPerL.from_molar(m, Some(564.6)).unwrap();
        assert!((back - 564.6).abs() < 1e-9);
    }
}
