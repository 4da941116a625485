//! Quality flags attached to every fitted curve instead of silent numbers.

use serde::Serialize;

/// A set of quality flags (a small bit set). Displayed as `;`-separated
/// snake_case names, empty when no flag is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(u16);

/// One quality flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum Flag {
    /// The EC50 lies below the lowest tested (positive) dose.
    ExtrapolatedLow = 1 << 0,
    /// The EC50 lies above the highest tested dose.
    ExtrapolatedHigh = 1 << 1,
    /// The fitted curve never reaches the absolute-IC50 response level.
    NeverReached = 1 << 2,
    /// The absolute IC50 lies outside the tested dose range.
    Ic50Extrapolated = 1 << 3,
    /// The curve is not significantly better than a flat line (F test
    /// p ≥ 0.05, or the level set in the options).
    Flat = 1 << 4,
    /// A free parameter ended on one of its bounds.
    AtBound = 1 << 5,
    /// The optimiser did not meet its convergence test.
    NotConverged = 1 << 6,
    /// Fewer points (or distinct doses) than parameters: no fit.
    TooFewPoints = 1 << 7,
    /// The covariance matrix is singular: no standard errors or intervals.
    NoStandardErrors = 1 << 8,
    /// The fit could not be computed for another reason (see the message).
    FitFailed = 1 << 9,
    /// The curve rises with dose (b < 0 with top < bottom).
    Increasing = 1 << 10,
}

impl Flag {
    /// All flags in display order.
    pub const ALL: [Flag; 11] = [
        Flag::TooFewPoints,
        Flag::FitFailed,
        Flag::NotConverged,
        Flag::AtBound,
        Flag::NoStandardErrors,
        Flag::Flat,
        Flag::Increasing,
        Flag::ExtrapolatedLow,
        Flag::ExtrapolatedHigh,
        Flag::NeverReached,
        Flag::Ic50Extrapolated,
    ];

    /// The snake_case name written in output files.
    pub fn name(self) -> &'static str {
        match self {
            Flag::ExtrapolatedLow => "extrapolated_low",
            Flag::ExtrapolatedHigh => "extrapolated_high",
            Flag::NeverReached => "never_reached",
            Flag::Ic50Extrapolated => "ic50_extrapolated",
            Flag::Flat => "flat",
            Flag::AtBound => "at_bound",
            Flag::NotConverged => "not_converged",
            Flag::TooFewPoints => "too_few_points",
            Flag::NoStandardErrors => "no_standard_errors",
            Flag::FitFailed => "fit_failed",
            Flag::Increasing => "increasing",
        }
    }
}

impl Flags {
    /// The empty set.
    pub const NONE: Flags = Flags(0);

    /// Adds a flag.
    pub fn set(&mut self, f: Flag) {
        self.0 |= f as u16;
    }

    /// Whether a flag is set.
    pub fn has(self, f: Flag) -> bool {
        self.0 & (f as u16) != 0
    }

    /// Whether no flag is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The flags that are set, in display order.
    pub fn iter(self) -> impl Iterator<Item = Flag> {
        Flag::ALL.into_iter().filter(move |f| self.has(*f))
    }
}

impl std::fmt::Display for Flags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for flag in self.iter() {
            if !first {
                f.write_str(";")?;
            }
            f.write_str(flag.name())?;
            first = false;
        }
        Ok(())
    }
}

impl Serialize for Flags {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(None)?;
        for f in self.iter() {
            seq.serialize_element(f.name())?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_membership() {
        let mut f = Flags::NONE;
        assert_eq!(f.to_string(), "");
        f.set(Flag::Flat);
        f.set(Flag::ExtrapolatedHigh);
        assert!(f.has(Flag::Flat) && !f.has(Flag::AtBound));
        assert_eq!(f.to_string(), "flat;extrapolated_high");
        assert_eq!(
            serde_json_like(&f),
            vec!["flat".to_string(), "extrapolated_high".to_string()]
        );
    }

    fn serde_json_like(f: &Flags) -> Vec<String> {
        f.iter().map(|x| x.name().to_string()).collect()
    }
}
