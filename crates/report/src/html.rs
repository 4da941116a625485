//! The self-contained HTML report.
//!
//! A [`Report`] is plain data (title, sections of paragraphs, tables and SVG figures, and the
//! [`Provenance`] footer); [`Report::render`] turns it into one HTML5 file with inline CSS and
//! inline SVG: no external fonts, scripts, style sheets or CDNs, so it opens offline, can be
//! mailed as one file and prints cleanly (print styles keep figures and tables on one page).
//!
//! # Why minijinja
//!
//! The page is rendered with [minijinja] from an embedded template (`templates/report.html`)
//! rather than by string building:
//!
//! - **Escaping by default.** The template is rendered with HTML auto-escaping, so every piece
//!   of user text is escaped unless the template says `|safe`, which it does in one place only:
//!   the figure SVG, which comes from this crate's own writer. With string building, each
//!   forgotten `escape()` call is an injection bug.
//! - **Markup stays readable** in one file, separate from the view-model code, and users can
//!   restyle reports with their own template ([`Report::render_with_template`]), as the stack
//!   notes intend.
//! - **Cost.** minijinja is built here with `default-features = false` (`builtins`, `serde`): it
//!   has no dependencies of its own besides serde, which the workspace already uses.
//!
//! Rendering is deterministic: no clock is read (the timestamp is shown only if
//! [`Provenance::generated_at`] is given) and ids are numbered in document order.

use serde::{Deserialize, Serialize};

/// The embedded default template.
pub const DEFAULT_TEMPLATE: &str = include_str!("templates/report.html");

/// Error from rendering a report with a template.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The template failed to parse or to render.
    #[error("report template error: {0:#}")]
    Template(#[from] minijinja::Error),
}

/// A report: header, sections and provenance footer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Report {
    /// Page title (the `<h1>` and the document title).
    pub title: String,
    /// Subtitle under the title; empty for none.
    pub subtitle: String,
    /// Introductory paragraphs (plain text, escaped).
    pub description: Vec<String>,
    /// Numbered sections, listed in the table of contents.
    pub sections: Vec<Section>,
    /// What produced the report, shown in the footer.
    pub provenance: Provenance,
}

/// One numbered section.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Section {
    /// Section heading.
    pub heading: String,
    /// Paragraphs (plain text, escaped).
    pub paragraphs: Vec<String>,
    /// Tables, numbered through the report.
    pub tables: Vec<Table>,
    /// Figures, numbered through the report.
    pub figures: Vec<Figure>,
}

/// A table of preformatted cells.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Table {
    /// Caption, shown after "Table N.".
    pub caption: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows of preformatted cells. An empty (or all-whitespace) cell is a missing value and is
    /// shown as "—". Short rows are padded with missing cells.
    pub rows: Vec<Vec<String>>,
    /// Notes under the table (abbreviations, methods, flags).
    pub notes: Vec<String>,
}

/// A figure: an SVG document inlined into the page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Figure {
    /// Caption, shown after "Figure N.".
    pub caption: String,
    /// The SVG document, inserted verbatim (an XML declaration or doctype before `<svg` is
    /// dropped). It must be trusted SVG, such as the output of [`crate::figures`].
    pub svg: String,
}

/// What produced the report: the reproducibility footer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Provenance {
    /// preclin version, e.g. `0.1.0`.
    pub tool_version: String,
    /// The command line that produced the report.
    pub command: String,
    /// Input files as `(path, sha256 hex)`.
    pub inputs: Vec<(String, String)>,
    /// Options as `(key, value)`, in the order given.
    pub options: Vec<(String, String)>,
    /// Random seeds as `(use, seed)`, e.g. `("bootstrap", 42)`.
    pub seeds: Vec<(String, u64)>,
    /// When the report was generated (any text, e.g. RFC 3339); `None` keeps the output free of
    /// timestamps.
    pub generated_at: Option<String>,
}

// ---- View model handed to the template ---------------------------------------------------------

#[derive(Serialize)]
struct View<'a> {
    generator: String,
    title: &'a str,
    subtitle: &'a str,
    description: Vec<&'a str>,
    sections: Vec<SectionView<'a>>,
    provenance: ProvenanceView<'a>,
}

#[derive(Serialize)]
struct SectionView<'a> {
    id: String,
    number: usize,
    heading: &'a str,
    paragraphs: Vec<&'a str>,
    tables: Vec<TableView<'a>>,
    figures: Vec<FigureView<'a>>,
}

#[derive(Serialize)]
struct Cell<'a> {
    text: &'a str,
    missing: bool,
    num: bool,
}

#[derive(Serialize)]
struct TableView<'a> {
    id: String,
    number: usize,
    caption: &'a str,
    headers: Vec<Cell<'a>>,
    rows: Vec<Vec<Cell<'a>>>,
    notes: Vec<&'a str>,
}

#[derive(Serialize)]
struct FigureView<'a> {
    id: String,
    number: usize,
    caption: &'a str,
    svg: &'a str,
}

#[derive(Serialize)]
struct ProvenanceView<'a> {
    tool_version: &'a str,
    command: &'a str,
    inputs: &'a [(String, String)],
    options: &'a [(String, String)],
    seeds: Vec<(&'a str, String)>,
    generated_at: Option<&'a str>,
}

/// True for cells that read as one number (optionally with a sign, `%`, or a `<`/`>`
/// qualifier), which are right-aligned.
fn is_numeric_cell(s: &str) -> bool {
    let t = s.trim();
    let t = t
        .strip_prefix(['<', '>', '≤', '≥', '~', '≈'])
        .unwrap_or(t)
        .trim_start();
    let t = t.strip_suffix('%').unwrap_or(t).trim_end();
    let t = t.replace('\u{2212}', "-");
    !t.is_empty() && t.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Drops anything before the `<svg` start tag (XML declaration, doctype, comments).
fn svg_body(svg: &str) -> &str {
    svg.find("<svg").map_or(svg.trim(), |i| svg[i..].trim_end())
}

fn non_empty(v: &[String]) -> Vec<&str> {
    v.iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect()
}

impl Report {
    fn view(&self) -> View<'_> {
        let mut table_no = 0;
        let mut figure_no = 0;
        let sections = self
            .sections
            .iter()
            .enumerate()
            .map(|(si, s)| {
                let tables = s
                    .tables
                    .iter()
                    .map(|t| {
                        table_no += 1;
                        let ncol = t
                            .rows
                            .iter()
                            .map(Vec::len)
                            .max()
                            .unwrap_or(0)
                            .max(t.headers.len());
                        let numeric: Vec<bool> = (0..ncol)
                            .map(|c| {
                                let mut any = false;
                                let all = t.rows.iter().all(|r| {
                                    r.get(c).is_none_or(|v| {
                                        let empty = v.trim().is_empty();
                                        any |= !empty;
                                        empty || is_numeric_cell(v)
                                    })
                                });
                                all && any
                            })
                            .collect();
                        let headers = if t.headers.is_empty() {
                            Vec::new()
                        } else {
                            (0..ncol)
                                .map(|c| Cell {
                                    text: t.headers.get(c).map_or("", |h| h.trim()),
                                    missing: false,
                                    num: numeric[c],
                                })
                                .collect()
                        };
                        let rows = t
                            .rows
                            .iter()
                            .map(|r| {
                                (0..ncol)
                                    .map(|c| {
                                        let text = r.get(c).map_or("", |v| v.trim());
                                        Cell {
                                            text,
                                            missing: text.is_empty(),
                                            num: numeric[c],
                                        }
                                    })
                                    .collect()
                            })
                            .collect();
                        TableView {
                            id: format!("table-{table_no}"),
                            number: table_no,
                            caption: t.caption.trim(),
                            headers,
                            rows,
                            notes: non_empty(&t.notes),
                        }
                    })
                    .collect();
                let figures = s
                    .figures
                    .iter()
                    .map(|f| {
                        figure_no += 1;
                        FigureView {
                            id: format!("figure-{figure_no}"),
                            number: figure_no,
                            caption: f.caption.trim(),
                            svg: svg_body(&f.svg),
                        }
                    })
                    .collect();
                SectionView {
                    id: format!("section-{}", si + 1),
                    number: si + 1,
                    heading: s.heading.trim(),
                    paragraphs: non_empty(&s.paragraphs),
                    tables,
                    figures,
                }
            })
            .collect();
        let p = &self.provenance;
        View {
            generator: if p.tool_version.is_empty() {
                "preclin".to_owned()
            } else {
                format!("preclin {}", p.tool_version)
            },
            title: if self.title.trim().is_empty() {
                "preclin report"
            } else {
                self.title.trim()
            },
            subtitle: self.subtitle.trim(),
            description: non_empty(&self.description),
            sections,
            provenance: ProvenanceView {
                tool_version: if p.tool_version.is_empty() {
                    "(version not recorded)"
                } else {
                    &p.tool_version
                },
                command: p.command.trim(),
                inputs: &p.inputs,
                options: &p.options,
                seeds: p
                    .seeds
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.to_string()))
                    .collect(),
                generated_at: p.generated_at.as_deref().filter(|s| !s.trim().is_empty()),
            },
        }
    }

    /// Renders the report with the embedded template as one self-contained HTML5 document.
    /// Deterministic: the same report gives the same bytes.
    pub fn render(&self) -> String {
        // The embedded template is covered by the tests; a failure here is a bug in this crate.
        self.render_with_template(DEFAULT_TEMPLATE)
            .expect("the embedded report template renders")
    }

    /// Renders the report with a custom minijinja template (HTML auto-escaping on, undefined
    /// variables are errors). The context has `title`, `subtitle`, `description`, `sections`
    /// (each with `id`, `number`, `heading`, `paragraphs`, `tables`, `figures`) and
    /// `provenance`; see [`DEFAULT_TEMPLATE`] for how they are used.
    pub fn render_with_template(&self, template: &str) -> Result<String, ReportError> {
        let mut env = minijinja::Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()?,
        );
        env.add_template("report.html", template)?;
        let tmpl = env.get_template("report.html")?;
        let out = tmpl.render(minijinja::Value::from(minijinja::value::Serde(self.view())))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        Report {
            title: "MI-503 <in vitro> & co".into(),
            subtitle: "Menin–MLL inhibitor panel".into(),
            description: vec!["Viability at 7 days, % of vehicle.".into(), "  ".into()],
            sections: vec![
                Section {
                    heading: "Potency".into(),
                    paragraphs: vec!["IC50 < 1 µM in MLL-r lines; <script>alert(1)</script>".into()],
                    tables: vec![Table {
                        caption: "Relative IC50".into(),
                        headers: vec!["Cell line".into(), "IC50 (nM)".into(), "Hill".into()],
                        rows: vec![
                            vec!["MV4;11".into(), "312".into(), "−1.2".into()],
                            vec!["K562".into(), "".into(), "n.d.".into()],
                            vec!["MOLM-13".into()],
                        ],
                        notes: vec!["n.d.: not determined".into()],
                    }],
                    figures: vec![Figure {
                        caption: "Dose–response".into(),
                        svg: "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><circle cx=\"5\" cy=\"5\" r=\"2\"/></svg>\n".into(),
                    }],
                },
                Section {
                    heading: "Methods".into(),
                    ..Section::default()
                },
            ],
            provenance: Provenance {
                tool_version: "0.1.0".into(),
                command: "preclin report --study s.toml".into(),
                inputs: vec![("data/plate 1.csv".into(), "ab".repeat(32))],
                options: vec![("model".into(), "LL.4".into())],
                seeds: vec![("bootstrap".into(), u64::MAX)],
                generated_at: None,
            },
        }
    }

    #[test]
    fn renders_escaped_and_self_contained() {
        let html = sample().render();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<title>MI-503 &lt;in vitro&gt; &amp; co</title>"));
        assert!(!html.contains("<script"));
        assert!(html.contains("&lt;script&gt;"));
        // Numeric column right-aligned, missing cells shown as a dash, short rows padded.
        assert!(html.contains("<td class=\"num\">312</td>"));
        assert_eq!(
            html.matches("<td class=\"missing\" title=\"missing\">—</td>")
                .count(),
            3
        );
        assert!(html.contains("<td>n.d.</td>"));
        // The figure is inlined without its XML declaration.
        assert!(html.contains("<svg xmlns"));
        assert!(!html.contains("<?xml"));
        assert!(html.contains("Figure 1.</span> Dose–response"));
        // Table of contents with anchors that exist.
        for id in [
            "section-1",
            "section-2",
            "table-1",
            "figure-1",
            "provenance",
        ] {
            assert!(html.contains(&format!("href=\"#{id}\"")), "{id}");
            assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
        }
        // Provenance footer.
        assert!(html.contains("preclin 0.1.0"));
        assert!(html.contains(&"ab".repeat(32)));
        assert!(html.contains("18446744073709551615"));
        assert!(!html.contains("Generated"));
        // No external resources.
        for bad in ["http://", "https://", "<link", "@import", "src="] {
            let n = html.matches(bad).count();
            let allowed = if bad == "http://" { 1 } else { 0 }; // the SVG namespace
            assert_eq!(n, allowed, "{bad}");
        }
    }

    #[test]
    fn deterministic() {
        let r = sample();
        assert_eq!(r.render(), r.render());
        let mut r2 = r.clone();
        r2.provenance.generated_at = Some("2026-01-02T03:04:05Z".into());
        let html = r2.render();
        assert!(html.contains("<dt>Generated</dt><dd>2026-01-02T03:04:05Z</dd>"));
    }

    #[test]
    fn empty_report_renders() {
        let html = Report::default().render();
        assert!(html.contains("<h1>preclin report</h1>"));
        assert!(!html.contains("Contents"));
    }

    #[test]
    fn custom_template_and_errors() {
        let r = sample();
        let out = r
            .render_with_template("{{ title }}|{{ sections[0].tables[0].rows[0][1].text }}")
            .unwrap();
        assert_eq!(out, "MI-503 &lt;in vitro&gt; &amp; co|312");
        assert!(r.render_with_template("{{ nope }}").is_err());
        assert!(r.render_with_template("{% for %}").is_err());
    }

    #[test]
    fn numeric_cells() {
        for s in ["1", "-2.5", "−2.5", "12%", "< 0.001", "1e-9", " 3 "] {
            assert!(is_numeric_cell(s), "{s}");
        }
        for s in ["", "n.d.", "312 (250–400)", "NaN", "inf", "MV4;11"] {
            assert!(!is_numeric_cell(s), "{s}");
        }
    }

    #[test]
    fn serde_round_trip() {
        let r = sample();
        let json = serde_json::to_string(&r).unwrap();
        let back: Report = serde_json::from_str(&json).unwrap();
        assert_eq!(r, back);
    }
}
