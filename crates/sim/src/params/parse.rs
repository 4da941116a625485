//! Parsing and validation of the parameter file (spanned TOML).

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use toml::Spanned;

use super::{
    CellLine, Compound, Gene, Marker, Mechanism, Men1Mutant, ModelParams, NANOMOLAR, Params,
};

/// One finding in a parameter file.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDiagnostic {
    /// 1-based line (None = whole file).
    pub line: Option<usize>,
    /// 1-based column in characters.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParamDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// Errors reading a parameter file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParamsError {
    /// TOML syntax, unknown key or wrong type.
    #[error("parameter file: {0}")]
    Syntax(ParamDiagnostic),
    /// Values out of range or inconsistent (all findings).
    #[error("parameter file: {}", .0.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<ParamDiagnostic>),
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut o = offset.min(text.len());
    while o > 0 && !text.is_char_boundary(o) {
        o -= 1;
    }
    let before = &text[..o];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

// Raw (spanned) document.

type SF = Spanned<f64>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParams {
    model: RawModel,
    #[serde(default)]
    compounds: Vec<RawCompound>,
    #[serde(default)]
    cell_lines: Vec<RawLine>,
    #[serde(default)]
    men1_mutants: Vec<RawMutant>,
    #[serde(default)]
    genes: Vec<RawGene>,
    #[serde(default)]
    markers: Vec<RawMarker>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    program_half_life_h: SF,
    diff_basal_per_h: SF,
    diff_max_per_h: SF,
    diff_half_loss: SF,
    diff_hill: SF,
    prolif_floor: SF,
    basal_death_per_h: SF,
    differentiated_death_per_h: SF,
    apoptosis_max_per_h: SF,
    dot1l_program_share: SF,
    ikzf1_program_share: SF,
    flt3_itd_dependence: SF,
    flt3_wt_dependence: SF,
    flt3_program_exponent: SF,
    bcl2_program_exponent: SF,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCompound {
    name: Spanned<String>,
    #[serde(default)]
    aliases: Vec<String>,
    mechanism: Spanned<String>,
    target: String,
    class: String,
    #[serde(rename = "potency_nM")]
    potency_nm: SF,
    #[serde(default)]
    hill: Option<SF>,
    free_fraction: SF,
    #[serde(default, rename = "cytotoxic_nM")]
    cytotoxic_nm: Option<SF>,
    #[serde(default)]
    molecular_weight: Option<SF>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLine {
    name: Spanned<String>,
    #[serde(default)]
    aliases: Vec<String>,
    species: String,
    #[serde(default)]
    kmt2a_fusion: Option<String>,
    #[serde(default)]
    npm1c: bool,
    #[serde(default)]
    normal: bool,
    menin_dependence: SF,
    flt3_itd: bool,
    bcl2_dependence: SF,
    doubling_time_h: SF,
    vehicle_signal: SF,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMutant {
    name: Spanned<String>,
    shift: BTreeMap<String, SF>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGene {
    name: Spanned<String>,
    program_exponent: SF,
    ct_vehicle: SF,
    #[serde(default)]
    reference: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMarker {
    name: Spanned<String>,
    channel: String,
    label: String,
    undifferentiated_pct: SF,
    differentiated_pct: SF,
}

struct Check<'t> {
    text: &'t str,
    found: Vec<ParamDiagnostic>,
}

impl Check<'_> {
    fn at(&mut self, start: usize, msg: String) {
        let (l, c) = line_col(self.text, start);
        self.found.push(ParamDiagnostic {
            line: Some(l),
            column: Some(c),
            message: msg,
        });
    }
    /// A finite value > 0.
    fn pos(&mut self, v: &SF, what: &str) -> f64 {
        let x = *v.get_ref();
        if !(x.is_finite() && x > 0.0) {
            self.at(v.span().start, format!("{what} must be > 0 (got {x})"));
        }
        x
    }
    /// A rate per hour in [0, 1] (keeps the fixed-step RK4 of the culture
    /// stable: step × rate ≤ 0.5).
    fn rate(&mut self, v: &SF, what: &str) -> f64 {
        self.within(v, 0.0, 1.0, what)
    }
    /// A value in [lo, hi].
    fn within(&mut self, v: &SF, lo: f64, hi: f64, what: &str) -> f64 {
        let x = *v.get_ref();
        if !(x >= lo && x <= hi) {
            self.at(
                v.span().start,
                format!("{what} must be in [{lo}, {hi}] (got {x})"),
            );
        }
        x
    }
    fn unique(&mut self, names: &[&Spanned<String>], what: &str) {
        let mut seen = std::collections::BTreeSet::new();
        for n in names {
            let k = n.get_ref().trim().to_lowercase();
            if k.is_empty() {
                self.at(n.span().start, format!("empty {what} name"));
            } else if !seen.insert(k) {
                self.at(
                    n.span().start,
                    format!("{what} '{}' declared twice", n.get_ref()),
                );
            }
        }
    }
}

/// Parses and validates a parameter file.
pub fn parse(text: &str) -> Result<Params, ParamsError> {
    let raw: RawParams = toml::from_str(text).map_err(|e| {
        let (line, column) = match e.span() {
            Some(s) => {
                let (l, c) = line_col(text, s.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        ParamsError::Syntax(ParamDiagnostic {
            line,
            column,
            message: e.message().trim().to_string(),
        })
    })?;
    let mut ck = Check {
        text,
        found: Vec::new(),
    };
    let m = &raw.model;
    let model = ModelParams {
        program_half_life_h: ck.within(&m.program_half_life_h, 0.5, 1e4, "program_half_life_h"),
        diff_basal_per_h: ck.rate(&m.diff_basal_per_h, "diff_basal_per_h"),
        diff_max_per_h: ck.rate(&m.diff_max_per_h, "diff_max_per_h"),
        diff_half_loss: ck.within(&m.diff_half_loss, 1e-6, 1.0, "diff_half_loss"),
        diff_hill: ck.within(&m.diff_hill, 0.1, 20.0, "diff_hill"),
        prolif_floor: ck.within(&m.prolif_floor, 0.0, 1.0, "prolif_floor"),
        basal_death_per_h: ck.rate(&m.basal_death_per_h, "basal_death_per_h"),
        differentiated_death_per_h: ck
            .rate(&m.differentiated_death_per_h, "differentiated_death_per_h"),
        apoptosis_max_per_h: ck.rate(&m.apoptosis_max_per_h, "apoptosis_max_per_h"),
        dot1l_program_share: ck.within(&m.dot1l_program_share, 0.0, 1.0, "dot1l_program_share"),
        ikzf1_program_share: ck.within(&m.ikzf1_program_share, 0.0, 1.0, "ikzf1_program_share"),
        flt3_itd_dependence: ck.within(&m.flt3_itd_dependence, 0.0, 1.0, "flt3_itd_dependence"),
        flt3_wt_dependence: ck.within(&m.flt3_wt_dependence, 0.0, 1.0, "flt3_wt_dependence"),
        flt3_program_exponent: ck.within(
            &m.flt3_program_exponent,
            0.0,
            10.0,
            "flt3_program_exponent",
        ),
        bcl2_program_exponent: ck.within(
            &m.bcl2_program_exponent,
            0.0,
            10.0,
            "bcl2_program_exponent",
        ),
    };
    ck.unique(
        &raw.compounds.iter().map(|c| &c.name).collect::<Vec<_>>(),
        "compound",
    );
    ck.unique(
        &raw.cell_lines.iter().map(|c| &c.name).collect::<Vec<_>>(),
        "cell line",
    );
    ck.unique(
        &raw.men1_mutants.iter().map(|c| &c.name).collect::<Vec<_>>(),
        "MEN1 mutant",
    );
    ck.unique(
        &raw.genes.iter().map(|c| &c.name).collect::<Vec<_>>(),
        "gene",
    );
    ck.unique(
        &raw.markers.iter().map(|c| &c.name).collect::<Vec<_>>(),
        "marker",
    );
    let mut compounds = Vec::new();
    for c in &raw.compounds {
        let mech = Mechanism::from_name(c.mechanism.get_ref()).unwrap_or_else(|| {
            ck.at(
                c.mechanism.span().start,
                format!(
                    "unknown mechanism '{}' (expected one of {})",
                    c.mechanism.get_ref(),
                    Mechanism::NAMES.map(|(n, _)| n).join(", ")
                ),
            );
            Mechanism::Cytotoxic
        });
        compounds.push(Compound {
            name: c.name.get_ref().clone(),
            aliases: c.aliases.clone(),
            mechanism: mech,
            target: c.target.clone(),
            class: c.class.clone(),
            potency_molar: ck.pos(&c.potency_nm, "potency_nM") * NANOMOLAR,
            hill: c.hill.as_ref().map_or(1.0, |h| ck.pos(h, "hill")),
            free_fraction: ck.within(&c.free_fraction, 1e-6, 1.0, "free_fraction"),
            cytotoxic_molar: c
                .cytotoxic_nm
                .as_ref()
                .map(|v| ck.pos(v, "cytotoxic_nM") * NANOMOLAR),
            molecular_weight: c
                .molecular_weight
                .as_ref()
                .map(|v| ck.pos(v, "molecular_weight")),
        });
    }
    let mut cell_lines = Vec::new();
    for l in &raw.cell_lines {
        cell_lines.push(CellLine {
            name: l.name.get_ref().clone(),
            aliases: l.aliases.clone(),
            species: l.species.clone(),
            kmt2a_fusion: l.kmt2a_fusion.clone(),
            npm1c: l.npm1c,
            normal: l.normal,
            menin_dependence: ck.within(&l.menin_dependence, 0.0, 1.0, "menin_dependence"),
            flt3_itd: l.flt3_itd,
            bcl2_dependence: ck.within(&l.bcl2_dependence, 0.0, 1.0, "bcl2_dependence"),
            doubling_time_h: ck.within(&l.doubling_time_h, 2.0, 1e4, "doubling_time_h"),
            vehicle_signal: ck.pos(&l.vehicle_signal, "vehicle_signal"),
        });
    }
    let mut men1_mutants = Vec::new();
    for mu in &raw.men1_mutants {
        let mut shift = BTreeMap::new();
        for (name, v) in &mu.shift {
            let x = ck.pos(v, "MEN1 shift");
            match compounds.iter().find(|c| c.is_named(name)) {
                Some(c) if c.mechanism == Mechanism::Menin => {
                    shift.insert(c.name.clone(), x);
                }
                Some(_) => ck.at(
                    v.span().start,
                    format!("'{name}' is not a menin inhibitor: a MEN1 shift does not apply"),
                ),
                None => ck.at(v.span().start, format!("unknown compound '{name}'")),
            }
        }
        men1_mutants.push(Men1Mutant {
            name: mu.name.get_ref().clone(),
            shift,
        });
    }
    let genes = raw
        .genes
        .iter()
        .map(|g| Gene {
            name: g.name.get_ref().clone(),
            program_exponent: ck.within(&g.program_exponent, 0.0, 10.0, "program_exponent"),
            ct_vehicle: ck.within(&g.ct_vehicle, 5.0, 40.0, "ct_vehicle"),
            reference: g.reference,
        })
        .collect();
    let markers = raw
        .markers
        .iter()
        .map(|m| Marker {
            name: m.name.get_ref().clone(),
            channel: m.channel.clone(),
            label: m.label.clone(),
            undifferentiated_pct: ck.within(
                &m.undifferentiated_pct,
                0.0,
                100.0,
                "undifferentiated_pct",
            ),
            differentiated_pct: ck.within(&m.differentiated_pct, 0.0, 100.0, "differentiated_pct"),
        })
        .collect();
    if ck.found.is_empty() {
        Ok(Params {
            model,
            compounds,
            cell_lines,
            men1_mutants,
            genes,
            markers,
        })
    } else {
        Err(ParamsError::Invalid(ck.found))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::DEFAULT_TOML;

    #[test]
    fn range_errors_name_line_and_column() {
        let bad = DEFAULT_TOML.replacen(
            "program_half_life_h = 24.0",
            "program_half_life_h = -1.0",
            1,
        );
        let line = bad
            .lines()
            .position(|l| l.starts_with("program_half_life_h"))
            .unwrap()
            + 1;
        match parse(&bad) {
            Err(ParamsError::Invalid(d)) => {
                assert_eq!(d.len(), 1);
                assert_eq!(d[0].line, Some(line));
                assert_eq!(d[0].column, Some(23));
                assert!(d[0].message.contains("program_half_life_h"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn syntax_and_unknown_keys_are_located() {
        let bad = DEFAULT_TOML.replacen("diff_hill =", "diff_hil =", 1);
        match parse(&bad) {
            Err(ParamsError::Syntax(d)) => {
                assert!(d.line.is_some(), "{d}");
                assert!(d.message.contains("diff_hil"), "{d}");
            }
            other => panic!("{other:?}"),
        }
        let bad = DEFAULT_TOML.replacen("bleximenib = 2.0 ", "venetoclax = 2.0 ", 1);
        let e = parse(&bad).unwrap_err().to_string();
        assert!(e.contains("'venetoclax' is not a menin inhibitor"), "{e}");
        let bad = DEFAULT_TOML.replacen("mechanism = \"menin\"", "mechanism = \"menn\"", 1);
        let e = parse(&bad).unwrap_err().to_string();
        assert!(e.contains("unknown mechanism 'menn'"), "{e}");
        assert!(e.contains("line "), "{e}");
    }
}
