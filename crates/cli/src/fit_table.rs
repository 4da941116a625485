//! The fit result table: its columns, what they mean, and how a fitted
//! curve becomes a CSV row or a JSON object. Shared by `fit`,
//! `viability` and `demo`.

use preclin_curve::CurveSummary;
use preclin_curve::experiments::AcrossExperiments;
use preclin_curve::units::ConcUnit;

use crate::format::num;

/// One output row: group values, dose unit (after conversion), summary.
pub struct ResultRow<'a> {
    /// Group values.
    pub key: &'a [String],
    /// Unit of the potencies.
    pub unit: Option<ConcUnit>,
    /// Multiplier from the curve's dose unit to the output unit.
    pub factor: f64,
    /// The fit summary.
    pub summary: &'a CurveSummary,
}

/// Meanings written at the top of CSV output.
pub const MEANINGS: [&str; 5] = [
    "# top = fitted response as dose -> 0; bottom = as dose -> infinity",
    "# hill = drc's b: POSITIVE when the response falls with dose (GraphPad Prism's HillSlope = -hill)",
    "# ec50 = relative IC50 (halfway between top and bottom); ic50 = absolute IC50 (curve crosses ic50_level = 50% of the vehicle response)",
    "# ec50/ic50 and their limits are in dose_unit; auc = mean fitted response over the tested log-dose range / vehicle response",
    "# empty cell = value does not exist (see flags); flags: too_few_points fit_failed not_converged at_bound no_standard_errors flat increasing extrapolated_low extrapolated_high never_reached ic50_extrapolated",
];

/// Column names of the fit table after the group columns.
pub fn fit_columns(ed: &[f64]) -> Vec<String> {
    let mut c: Vec<String> = [
        "model",
        "n",
        "df",
        "converged",
        "top",
        "top_se",
        "bottom",
        "bottom_se",
        "hill",
        "hill_se",
        "ec50",
        "ec50_lower",
        "ec50_upper",
        "ic50",
        "ic50_lower",
        "ic50_upper",
        "ic50_level",
        "e",
        "asymmetry",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for p in ed {
        let tag = crate::format::fmt_f64(*p, None).replace('.', "_");
        c.push(format!("ed{tag}"));
        c.push(format!("ed{tag}_lower"));
        c.push(format!("ed{tag}_upper"));
    }
    c.extend(
        [
            "auc",
            "dss",
            "emax",
            "control",
            "r2",
            "rss",
            "sigma",
            "aic",
            "bic",
            "f_flat",
            "p_flat",
            "dose_min",
            "dose_max",
            "flags",
            "dose_unit",
            "message",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    c
}

/// The cells of one result row (after the group columns).
pub fn fit_cells(r: &ResultRow, digits: Option<usize>) -> Vec<String> {
    let s = r.summary;
    let k = r.factor;
    let d = |v: Option<f64>| num(v.map(|x| x * k), digits);
    let n = |v: Option<f64>| num(v, digits);
    let mut c = vec![
        s.model.name().to_string(),
        s.n.to_string(),
        s.df.map(|v| v.to_string()).unwrap_or_default(),
        s.converged.to_string(),
        n(s.top),
        n(s.top_se),
        n(s.bottom),
        n(s.bottom_se),
        n(s.hill),
        n(s.hill_se),
        d(s.ec50),
        d(s.ec50_lower),
        d(s.ec50_upper),
        d(s.ic50),
        d(s.ic50_lower),
        d(s.ic50_upper),
        n(s.ic50_level),
        d(s.e),
        n(s.asymmetry),
    ];
    for e in &s.ed {
        c.push(d(e.value));
        c.push(d(e.lower));
        c.push(d(e.upper));
    }
    c.extend([
        n(s.auc),
        n(s.dss),
        n(s.emax),
        n(s.control),
        n(s.r2),
        n(s.rss),
        n(s.sigma),
        n(s.aic),
        n(s.bic),
        n(s.f_flat),
        n(s.p_flat),
        d(s.dose_min),
        d(s.dose_max),
        s.flags.to_string(),
        r.unit.map(|u| u.symbol().to_string()).unwrap_or_default(),
        s.message.clone().unwrap_or_default(),
    ]);
    c
}

/// JSON object of one result row.
pub fn fit_json(group_cols: &[String], r: &ResultRow, ed: &[f64]) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (c, v) in group_cols.iter().zip(r.key) {
        m.insert(c.clone(), serde_json::Value::String(v.clone()));
    }
    let cols = fit_columns(ed);
    let cells = fit_cells(r, None);
    for (c, v) in cols.iter().zip(cells) {
        let val = if c == "flags" {
            serde_json::Value::Array(
                v.split(';')
                    .filter(|s| !s.is_empty())
                    .map(|s| serde_json::Value::String(s.into()))
                    .collect(),
            )
        } else if v.is_empty() {
            serde_json::Value::Null
        } else if let Ok(x) = v.parse::<f64>() {
            if c == "n" || c == "df" {
                serde_json::json!(x as i64)
            } else {
                serde_json::json!(x)
            }
        } else if c == "converged" {
            serde_json::Value::Bool(v == "true")
        } else {
            serde_json::Value::String(v)
        };
        m.insert(c.clone(), val);
    }
    serde_json::Value::Object(m)
}

/// A typed cell of a summary table: written as text in CSV and as a
/// string, number or null in JSON.
pub enum Cell {
    /// Text.
    Text(String),
    /// A number that may not exist.
    Num(Option<f64>),
    /// A count.
    Int(usize),
    /// Text that may not exist (a message, a choice): "" in CSV, null in
    /// JSON when absent or empty.
    OptText(Option<String>),
}

impl Cell {
    /// `OptText` of `s`, None when `s` is empty.
    pub fn opt_text(s: impl Into<String>) -> Cell {
        let s = s.into();
        Cell::OptText((!s.is_empty()).then_some(s))
    }
}

impl Cell {
    /// CSV text (an absent number is an empty cell).
    pub fn text(&self, digits: Option<usize>) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Num(x) => num(*x, digits),
            Cell::Int(n) => n.to_string(),
            Cell::OptText(t) => t.clone().unwrap_or_default(),
        }
    }

    /// JSON value (an absent number is null).
    pub fn json(&self) -> serde_json::Value {
        match self {
            Cell::Text(t) => serde_json::json!(t),
            Cell::Num(x) => x
                .filter(|v| v.is_finite())
                .map_or(serde_json::Value::Null, |v| serde_json::json!(v)),
            Cell::Int(n) => serde_json::json!(n),
            Cell::OptText(t) => t
                .as_ref()
                .map_or(serde_json::Value::Null, |s| serde_json::json!(s)),
        }
    }
}

/// Columns of an across-experiment potency summary, after the group
/// columns: geometric-mean EC50 / absolute IC50 with 95 % limits and mean
/// pEC50 / pIC50 ± SEM (see `preclin_curve::experiments`).
pub const POTENCY_COLUMNS: [&str; 14] = [
    "n_experiments",
    "ec50_n",
    "ec50_geomean",
    "ec50_lower",
    "ec50_upper",
    "pec50_mean",
    "pec50_sem",
    "ic50_n",
    "ic50_geomean",
    "ic50_lower",
    "ic50_upper",
    "pic50_mean",
    "pic50_sem",
    "dose_unit",
];

/// The [`POTENCY_COLUMNS`] cells of one summary.
pub fn potency_cells(
    n_total: usize,
    ec: &AcrossExperiments,
    ic: &AcrossExperiments,
    unit: Option<ConcUnit>,
) -> Vec<Cell> {
    vec![
        Cell::Int(n_total),
        Cell::Int(ec.n),
        Cell::Num(ec.geo_mean),
        Cell::Num(ec.geo_lower),
        Cell::Num(ec.geo_upper),
        Cell::Num(ec.p_mean),
        Cell::Num(ec.p_sem),
        Cell::Int(ic.n),
        Cell::Num(ic.geo_mean),
        Cell::Num(ic.geo_lower),
        Cell::Num(ic.geo_upper),
        Cell::Num(ic.p_mean),
        Cell::Num(ic.p_sem),
        Cell::Text(unit.map(|u| u.symbol().to_string()).unwrap_or_default()),
    ]
}

/// Writes a table of [`Cell`]s as CSV: `comments` first (each line as
/// given, e.g. `# …`), then the header and the rows.
pub fn write_cells_csv(
    out: &mut dyn std::io::Write,
    comments: &[String],
    header: &[String],
    rows: &[Vec<Cell>],
    digits: Option<usize>,
) -> std::io::Result<()> {
    for c in comments {
        writeln!(out, "{c}")?;
    }
    let mut line = String::new();
    for (k, h) in header.iter().enumerate() {
        if k > 0 {
            line.push(',');
        }
        crate::fit::push_csv_field(&mut line, h);
    }
    writeln!(out, "{line}")?;
    for r in rows {
        line.clear();
        for (k, c) in r.iter().enumerate() {
            if k > 0 {
                line.push(',');
            }
            crate::fit::push_csv_field(&mut line, &c.text(digits));
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// A table of [`Cell`]s as JSON objects (column order kept); a `flags`
/// column becomes a list of names.
pub fn cells_json(header: &[String], rows: &[Vec<Cell>]) -> Vec<serde_json::Value> {
    rows.iter()
        .map(|r| {
            let m: serde_json::Map<String, serde_json::Value> = header
                .iter()
                .zip(r)
                .map(|(h, c)| {
                    let v = match (h.as_str(), c) {
                        ("flags", Cell::Text(t) | Cell::OptText(Some(t))) => {
                            serde_json::Value::Array(
                                t.split(';')
                                    .filter(|s| !s.is_empty())
                                    .map(|s| serde_json::Value::String(s.into()))
                                    .collect(),
                            )
                        }
                        ("flags", Cell::OptText(None)) => serde_json::Value::Array(Vec::new()),
                        _ => c.json(),
                    };
                    (h.clone(), v)
                })
                .collect();
            serde_json::Value::Object(m)
        })
        .collect()
}
