//! Spillover matrices stored in the TEXT segment.
//!
//! Keywords looked up, in this order (J. Spidlen, flowCore #62: prefer
//! `$SPILLOVER` when several are present): `$SPILLOVER` (FCS 3.1), `SPILL`
//! (BD, older Cytobank), `SPILLOVER` and `$COMP` (legacy).
//!
//! Format: `n,name_1,…,name_n,s_11,s_12,…,s_nn`, row-major: `s_ij` is the
//! fraction of fluorochrome i's signal seen in detector j (the diagonal is
//! 1). Vendor variants accepted:
//!
//! - channel **numbers** instead of `$PnN` names (Beckman Navios, BD Accuri):
//!   a name that is an integer 1…`$PAR` and not itself a `$PnN` is read as
//!   parameter number;
//! - **decimal commas** inside the comma-separated list (BD Accuri C6:
//!   `1,000,0,000,…`): when the list has `1 + n + 2n²` fields instead of
//!   `1 + n + n²`, each pair of fields is read as `int,frac`;
//! - **empty** matrices (`0`, or names without values as MACSQuant writes):
//!   no matrix, with a note;
//! - `$COMP` without names: `n,s_11,…,s_nn` is accepted only when n equals
//!   `$PAR` (then the channels are all parameters in order).

use crate::text::Keywords;

/// A spillover matrix read from a keyword.
#[derive(Debug, Clone, PartialEq)]
pub struct Spillover {
    /// The keyword it came from, as written (e.g. `SPILL`).
    pub keyword: String,
    /// Absolute byte offset of the keyword.
    pub offset: usize,
    /// The channels, as `$PnN` names (numbers resolved to names).
    pub channels: Vec<String>,
    /// Row-major n×n spillover coefficients.
    pub matrix: Vec<f64>,
}

impl Spillover {
    /// Number of channels n.
    pub fn len(&self) -> usize {
        self.channels.len()
    }

    /// True when the matrix has no channel.
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }

    /// Coefficient s_ij.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.matrix[i * self.len() + j]
    }
}

/// The outcome of looking for a spillover keyword.
#[derive(Debug, Clone, PartialEq)]
pub enum SpillLookup {
    /// No spillover keyword at all.
    Absent,
    /// A keyword was found and read.
    Found(Spillover),
    /// A keyword was found but holds no usable matrix; the message says why
    /// (keyword, byte offset and reason).
    Unusable(String),
}

/// Keywords searched, in order of preference.
pub const SPILL_KEYWORDS: [&str; 4] = ["$SPILLOVER", "SPILL", "SPILLOVER", "$COMP"];

/// Finds and parses the spillover matrix of a data set whose parameters are
/// named `names` (`$PnN`, index 0 = parameter 1).
pub fn find_spillover(kw: &Keywords, names: &[String]) -> SpillLookup {
    let mut first_problem = None;
    for key in SPILL_KEYWORDS {
        let Some(k) = kw.get_keyword(key) else {
            continue;
        };
        match parse_spillover(&k.value, names, key == "$COMP") {
            Ok(Some((channels, matrix))) => {
                return SpillLookup::Found(Spillover {
                    keyword: k.key.clone(),
                    offset: k.offset,
                    channels,
                    matrix,
                });
            }
            Ok(None) => {
                first_problem.get_or_insert(format!(
                    "{} at byte {} holds an empty matrix",
                    k.key, k.offset
                ));
            }
            Err(m) => {
                first_problem.get_or_insert(format!("{} at byte {}: {m}", k.key, k.offset));
            }
        }
    }
    match first_problem {
        Some(m) => SpillLookup::Unusable(m),
        None => SpillLookup::Absent,
    }
}

/// Parses a spillover value. `Ok(None)` for an empty matrix.
#[allow(clippy::type_complexity)]
pub fn parse_spillover(
    value: &str,
    names: &[String],
    allow_unnamed: bool,
) -> Result<Option<(Vec<String>, Vec<f64>)>, String> {
    let fields: Vec<&str> = value.split(',').map(str::trim).collect();
    let Some(first) = fields.first() else {
        return Ok(None);
    };
    if first.is_empty() && fields.len() == 1 {
        return Ok(None);
    }
    let n: usize = first
        .parse::<f64>()
        .ok()
        .filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v <= 10_000.0)
        .map(|v| v as usize)
        .ok_or_else(|| format!("the channel count '{first}' is not a whole number"))?;
    if n == 0 {
        return Ok(None);
    }
    let rest = &fields[1..];
    let nn = n * n;
    // $COMP without names: n, then n² values.
    if allow_unnamed && rest.len() == nn && rest.iter().all(|f| f.parse::<f64>().is_ok()) {
        if n != names.len() {
            return Err(format!(
                "{n}×{n} values without channel names, but the data set has {} parameters: the channels cannot be told",
                names.len()
            ));
        }
        let m = rest
            .iter()
            .map(|f| f.parse::<f64>().unwrap_or(0.0))
            .collect();
        return Ok(Some((names.to_vec(), m)));
    }
    if rest.len() == n {
        // Names only (MACSQuant).
        return Ok(None);
    }
    let values: Vec<f64> = if rest.len() == n + nn {
        parse_values(&rest[n..])?
    } else if rest.len() == n + 2 * nn {
        // Decimal commas: every value is split in two fields.
        let mut v = Vec::with_capacity(nn);
        for pair in rest[n..].chunks_exact(2) {
            let s = format!("{}.{}", pair[0], pair[1]);
            v.push(
                s.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| format!("value '{},{}' is not a number", pair[0], pair[1]))?,
            );
        }
        v
    } else {
        return Err(format!(
            "{} fields after the channel count, expected {} ({n} names + {nn} values)",
            rest.len(),
            n + nn
        ));
    };
    let mut channels = Vec::with_capacity(n);
    for raw in &rest[..n] {
        channels.push(resolve_channel(raw, names)?);
    }
    Ok(Some((channels, values)))
}

fn parse_values(f: &[&str]) -> Result<Vec<f64>, String> {
    f.iter()
        .map(|s| {
            s.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| format!("value '{s}' is not a number"))
        })
        .collect()
}

/// A channel reference: a `$PnN` name (exact, then ignoring case), or a
/// parameter number.
fn resolve_channel(raw: &str, names: &[String]) -> Result<String, String> {
    if let Some(n) = names.iter().find(|n| n.as_str() == raw) {
        return Ok(n.clone());
    }
    if let Some(n) = names.iter().find(|n| n.eq_ignore_ascii_case(raw)) {
        return Ok(n.clone());
    }
    if let Ok(k) = raw.parse::<usize>() {
        if (1..=names.len()).contains(&k) {
            return Ok(names[k - 1].clone());
        }
    }
    // Unknown names are kept: a matrix may name channels absent from the
    // data (compensation then fails with a clear message).
    if raw.is_empty() {
        return Err("a channel name is empty".into());
    }
    Ok(raw.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["FSC-A", "FL1-A", "FL2-A"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn standard_numbers_and_decimal_commas() {
        let (c, m) = parse_spillover("2,FL1-A,FL2-A,1,0.1,0.2,1", &names(), false)
            .unwrap()
            .unwrap();
        assert_eq!(c, ["FL1-A", "FL2-A"]);
        assert_eq!(m, [1.0, 0.1, 0.2, 1.0]);
        let (c, _) = parse_spillover("2,2,3,1,0.1,0.2,1", &names(), false)
            .unwrap()
            .unwrap();
        assert_eq!(c, ["FL1-A", "FL2-A"]);
        let (_, m) = parse_spillover("2,2,3,1,000,0,100,0,200,1,000", &names(), false)
            .unwrap()
            .unwrap();
        assert_eq!(m, [1.0, 0.1, 0.2, 1.0]);
    }

    #[test]
    fn empty_and_broken() {
        assert_eq!(parse_spillover("0", &names(), false).unwrap(), None);
        assert_eq!(
            parse_spillover("2,FL1-A,FL2-A", &names(), false).unwrap(),
            None
        );
        assert!(parse_spillover("2,FL1-A,FL2-A,1,x,0,1", &names(), false).is_err());
        assert!(parse_spillover("2,FL1-A,FL2-A,1", &names(), false).is_err());
        assert!(parse_spillover("abc", &names(), false).is_err());
        let (c, _) = parse_spillover("3,1,0,0,0,1,0,0,0,1", &names(), true)
            .unwrap()
            .unwrap();
        assert_eq!(c.len(), 3);
    }
}
