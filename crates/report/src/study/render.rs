//! Rendering a [`StudyReport`] with minijinja templates.
//!
//! The default templates (`report.html`, `experiment.html`, `style.css`; see
//! [`TEMPLATE_NAMES`]) are embedded with `include_str!`. A user overrides any of them with a file
//! of the same name ([`Templates::set`], which `preclin analyze --templates DIR` calls for each
//! file found). HTML auto-escaping is on for every template; only the figure SVG (this crate's
//! own output) is passed through `|safe`. Undefined variables are errors, so a typo in a user template is
//! reported ([`StudyReportError::Template`] names the file and line) rather than rendered empty.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Agreement, KeyNumber, Severity, StudyReport};
use crate::html::Table;

/// The template file names, the main page first.
pub const TEMPLATE_NAMES: [&str; 3] = ["report.html", "experiment.html", "style.css"];

const DEFAULTS: [&str; 3] = [
    include_str!("templates/report.html"),
    include_str!("templates/experiment.html"),
    include_str!("templates/style.css"),
];

/// Errors rendering a study report.
#[derive(Debug, thiserror::Error)]
pub enum StudyReportError {
    /// A template failed to parse or render; `file` is the template's origin (the user's file
    /// path, or `default:NAME`).
    #[error("report template {file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Template {
        /// The template file.
        file: String,
        /// 1-based line, when known.
        line: Option<usize>,
        /// What went wrong.
        message: String,
    },
    /// A template name that is not one of [`TEMPLATE_NAMES`].
    #[error("unknown report template {0:?} (templates: report.html, experiment.html, style.css)")]
    UnknownTemplate(String),
}

/// The set of templates: the embedded defaults, some replaced by the user's files.
#[derive(Clone, Debug)]
pub struct Templates {
    /// name → (origin, source)
    sources: BTreeMap<&'static str, (String, String)>,
}

impl Default for Templates {
    fn default() -> Templates {
        let sources = TEMPLATE_NAMES
            .iter()
            .zip(DEFAULTS)
            .map(|(n, s)| (*n, (format!("default:{n}"), s.to_string())))
            .collect();
        Templates { sources }
    }
}

impl Templates {
    /// Replaces template `name` (one of [`TEMPLATE_NAMES`]) with `source`; `origin` (usually the
    /// file path) names it in errors.
    pub fn set(
        &mut self,
        name: &str,
        origin: &str,
        source: String,
    ) -> Result<(), StudyReportError> {
        let Some(n) = TEMPLATE_NAMES.iter().find(|n| **n == name) else {
            return Err(StudyReportError::UnknownTemplate(name.to_string()));
        };
        self.sources.insert(n, (origin.to_string(), source));
        Ok(())
    }

    /// The origin of template `name` (`default:NAME` or the user's file).
    pub fn origin(&self, name: &str) -> Option<&str> {
        self.sources.get(name).map(|(o, _)| o.as_str())
    }

    fn error(&self, outer: &minijinja::Error) -> StudyReportError {
        // an error inside an included template is the source of the include's error: report the
        // innermost one, which names the file and line where it happened
        let mut e = outer;
        while let Some(inner) =
            std::error::Error::source(e).and_then(|s| s.downcast_ref::<minijinja::Error>())
        {
            e = inner;
        }
        let name = e.name().unwrap_or("report.html");
        let file = self.origin(name).unwrap_or(name).to_string();
        // the detail (kind and reason) without minijinja's own "(in NAME:LINE)" suffix
        let message = match e.detail() {
            Some(d) => format!("{}: {d}", e.kind()),
            None => e.kind().to_string(),
        };
        StudyReportError::Template {
            file,
            line: e.line(),
            message,
        }
    }
}

/// Formats a number with 3 significant digits: plain decimals between 0.001 and 100 000,
/// otherwise `1.23e9`; trailing zeros kept to the significant digits (`0.450`, `310`).
/// Returns "—" for `None` and for NaN / ±∞, so no `NaN` or `inf` text reaches a report.
pub fn fmt_sig(x: Option<f64>) -> String {
    let Some(x) = x.filter(|x| x.is_finite()) else {
        return "—".to_string();
    };
    if x == 0.0 {
        return "0".to_string();
    }
    let a = x.abs();
    if !(1e-3..1e5).contains(&a) {
        return format!("{x:.2e}");
    }
    let digits = a.log10().floor() as i32;
    let decimals = (2 - digits).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s == "-0" { "0".to_string() } else { s }
}

/// Formats a p-value: `p < 0.0001`, else 2 significant digits (`p = 0.0050`); "—" for none.
pub fn fmt_p(p: Option<f64>) -> String {
    match p.filter(|p| p.is_finite()) {
        None => "—".to_string(),
        Some(p) if p < 1e-4 => "p < 0.0001".to_string(),
        Some(p) => {
            let digits = p.log10().floor() as i32;
            let decimals = (1 - digits).clamp(0, 6) as usize;
            format!("p = {p:.decimals$}")
        }
    }
}

/// How many-fold a positive 95 % CI may span before it is called very wide
/// (uninformative, as Prism calls such intervals): 1000-fold, three decades.
const VERY_WIDE_FOLD: f64 = 1000.0;

/// A key number in words: `EC50 310 nM (95 % CI 250–400)`, `p = 0.005` for p-values;
/// a positive CI spanning more than [`VERY_WIDE_FOLD`] is printed as
/// `(95 % CI very wide: l–u)` so an extrapolated potency does not read as a
/// measurement.
pub(crate) fn key_text(k: &KeyNumber) -> String {
    let unit = if k.unit.is_empty() {
        String::new()
    } else if k.unit == "%" {
        "%".to_string()
    } else {
        format!(" {}", k.unit)
    };
    if k.metric.starts_with("p_") || k.metric == "p" {
        return fmt_p(k.value);
    }
    let Some(v) = k.value.filter(|v| v.is_finite()) else {
        return format!("{} not estimable", k.metric);
    };
    let mut s = format!("{} {}{unit}", k.metric, fmt_sig(Some(v)));
    match (k.ci_lower, k.ci_upper) {
        (Some(l), Some(u)) if l.is_finite() && u.is_finite() => {
            let wide = l > 0.0 && u / l > VERY_WIDE_FOLD;
            s.push_str(&format!(
                " (95 % CI {}{}–{})",
                if wide { "very wide: " } else { "" },
                fmt_sig(Some(l)),
                fmt_sig(Some(u))
            ));
        }
        (Some(l), None) if l.is_finite() => {
            s.push_str(&format!(" (95 % CI {}–not reached)", fmt_sig(Some(l))))
        }
        _ => {}
    }
    s
}

#[derive(Serialize)]
struct NumberView {
    experiment: String,
    label: String,
    text: String,
    flags: String,
}

#[derive(Serialize)]
struct SummaryView {
    compound: String,
    model: String,
    numbers: Vec<NumberView>,
}

#[derive(Serialize)]
struct ComparisonView {
    compound: String,
    model: String,
    experiment: String,
    measured: String,
    published_metric: String,
    published: String,
    published_model: String,
    source: String,
    agreement: Agreement,
    verdict: String,
    notes: Vec<String>,
    /// The one-line statement, e.g. "MI-503 GI50, MV4;11: measured 310 nM (95 % CI …);
    /// published ≈ 250–570 nM (source)".
    line: String,
}

#[derive(Serialize)]
struct QcView {
    severity: Severity,
    experiment: String,
    source: String,
    message: String,
}

#[derive(Serialize)]
struct FigureView<'a> {
    id: String,
    number: usize,
    caption: &'a str,
    svg: &'a str,
    png: Option<&'a str>,
}

#[derive(Serialize)]
struct TableView<'a> {
    id: String,
    number: usize,
    caption: &'a str,
    headers: &'a [String],
    rows: Vec<Vec<String>>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct ExperimentView<'a> {
    id: String,
    number: usize,
    name: &'a str,
    title: &'a str,
    kind: &'a str,
    text: &'a [String],
    tables: Vec<TableView<'a>>,
    figures: Vec<FigureView<'a>>,
}

#[derive(Serialize)]
struct View<'a> {
    generator: String,
    title: &'a str,
    subtitle: &'a str,
    description: &'a [String],
    summary: Vec<SummaryView>,
    comparisons: Vec<ComparisonView>,
    n_disagree: usize,
    qc: Vec<QcView>,
    n_qc_errors: usize,
    n_qc_warnings: usize,
    experiments: Vec<ExperimentView<'a>>,
    methods: &'a [super::MethodsBlock],
    provenance: &'a super::StudyProvenance,
    seeds: Vec<(String, String)>,
}

/// Drops anything before `<svg` (XML declaration, doctype).
fn svg_body(svg: &str) -> &str {
    svg.find("<svg").map_or(svg.trim(), |i| svg[i..].trim_end())
}

/// Cells of a table: non-finite number text ("NaN", "inf") becomes a missing cell.
fn clean_cell(c: &str) -> String {
    let t = c.trim();
    let lower = t.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "nan" | "inf" | "-inf" | "+inf" | "infinity" | "-infinity"
    ) {
        String::new()
    } else {
        t.to_string()
    }
}

fn table_view<'a>(t: &'a Table, number: usize) -> TableView<'a> {
    TableView {
        id: format!("table-{number}"),
        number,
        caption: t.caption.trim(),
        headers: &t.headers,
        rows: t
            .rows
            .iter()
            .map(|r| r.iter().map(|c| clean_cell(c)).collect())
            .collect(),
        notes: &t.notes,
    }
}

fn view(r: &StudyReport) -> View<'_> {
    let summary = r
        .summary
        .iter()
        .map(|s| SummaryView {
            compound: s.compound.clone(),
            model: s.model.clone(),
            numbers: s
                .numbers
                .iter()
                .map(|k| NumberView {
                    experiment: k.experiment.clone(),
                    label: k.label.clone(),
                    text: key_text(k),
                    flags: k.flags.join(", "),
                })
                .collect(),
        })
        .collect();
    let comparisons: Vec<ComparisonView> = r
        .comparisons
        .iter()
        .map(|c| {
            let measured = key_text(&c.measured);
            let value_only = measured
                .strip_prefix(&format!("{} ", c.measured.metric))
                .unwrap_or(&measured)
                .to_string();
            ComparisonView {
                line: format!(
                    "{} {}, {}: measured {}; published {} {} ({})",
                    c.compound,
                    c.measured.metric,
                    c.model,
                    value_only,
                    c.published_metric,
                    c.published,
                    c.source
                ),
                compound: c.compound.clone(),
                model: c.model.clone(),
                experiment: c.measured.experiment.clone(),
                measured,
                published_metric: c.published_metric.clone(),
                published: c.published.clone(),
                published_model: c.published_model.clone(),
                source: c.source.clone(),
                agreement: c.agreement,
                verdict: c.verdict.clone(),
                notes: c.notes.clone(),
            }
        })
        .collect();
    let mut qc: Vec<QcView> =
        r.qc.iter()
            .map(|q| QcView {
                severity: q.severity,
                experiment: q.experiment.clone(),
                source: q.source.clone(),
                message: q.message.clone(),
            })
            .collect();
    // most severe first; stable, so the order within a severity is kept
    qc.sort_by_key(|q| q.severity);
    let (mut table_no, mut figure_no) = (0, 0);
    let experiments = r
        .experiments
        .iter()
        .enumerate()
        .map(|(i, e)| ExperimentView {
            id: format!("experiment-{}", i + 1),
            number: i + 1,
            name: &e.name,
            title: &e.title,
            kind: &e.kind,
            text: &e.text,
            tables: e
                .tables
                .iter()
                .map(|t| {
                    table_no += 1;
                    table_view(t, table_no)
                })
                .collect(),
            figures: e
                .figures
                .iter()
                .map(|f| {
                    figure_no += 1;
                    FigureView {
                        id: format!("figure-{figure_no}"),
                        number: figure_no,
                        caption: f.caption.trim(),
                        svg: svg_body(&f.svg),
                        png: f.png.as_deref(),
                    }
                })
                .collect(),
        })
        .collect();
    let p = &r.provenance;
    View {
        generator: format!("preclin {}", p.tool_version),
        title: if r.title.trim().is_empty() {
            "preclin study report"
        } else {
            r.title.trim()
        },
        subtitle: r.subtitle.trim(),
        description: &r.description,
        n_disagree: comparisons
            .iter()
            .filter(|c| c.agreement == Agreement::Disagrees)
            .count(),
        summary,
        comparisons,
        n_qc_errors: qc.iter().filter(|q| q.severity == Severity::Error).count(),
        n_qc_warnings: qc
            .iter()
            .filter(|q| q.severity == Severity::Warning)
            .count(),
        qc,
        experiments,
        methods: &r.methods,
        provenance: p,
        seeds: p
            .seeds
            .iter()
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect(),
    }
}

/// Renders the report as one self-contained HTML5 file (inline CSS and SVG, no scripts, no
/// network resources). Deterministic: the same report and templates give the same bytes.
pub fn render(report: &StudyReport, templates: &Templates) -> Result<String, StudyReportError> {
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
        .map_err(|e| templates.error(&e))?;
    env.set_syntax(syntax);
    for (name, (_, src)) in &templates.sources {
        env.add_template_owned(*name, src.clone())
            .map_err(|e| templates.error(&e))?;
    }
    let tmpl = env
        .get_template("report.html")
        .map_err(|e| templates.error(&e))?;
    tmpl.render(minijinja::Value::from(minijinja::value::Serde(view(
        report,
    ))))
    .map_err(|e| templates.error(&e))
}
