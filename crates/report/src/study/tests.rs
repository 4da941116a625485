//! Unit tests of the study report renderer.

use super::*;

fn number(metric: &str, v: Option<f64>, lo: Option<f64>, hi: Option<f64>, unit: &str) -> KeyNumber {
    KeyNumber {
        experiment: "viability_day7".into(),
        metric: metric.into(),
        value: v,
        ci_lower: lo,
        ci_upper: hi,
        unit: unit.into(),
        ..KeyNumber::default()
    }
}

fn sample() -> StudyReport {
    StudyReport {
        title: "MI-503 <study>".into(),
        subtitle: "example".into(),
        description: vec!["Simulated.".into()],
        summary: vec![SummaryRow {
            compound: "MI-503".into(),
            model: "MV4;11".into(),
            numbers: vec![
                number("EC50", Some(310.4), Some(250.0), Some(401.2), "nM"),
                number("IC50", Some(f64::NAN), None, None, "nM"),
            ],
        }],
        comparisons: vec![Comparison {
            compound: "MI-503".into(),
            model: "MV4;11".into(),
            measured: number("EC50", Some(310.4), Some(250.0), Some(401.2), "nM"),
            published_metric: "GI50".into(),
            published: "≈ 250–570 nM".into(),
            source: "Borkin 2015".into(),
            agreement: Agreement::Disagrees,
            verdict: "less potent".into(),
            ..Comparison::default()
        }],
        qc: vec![
            QcItem {
                severity: Severity::Note,
                experiment: "qpcr".into(),
                source: "qpcr/qc.csv".into(),
                message: "geNorm M 0.12".into(),
            },
            QcItem {
                severity: Severity::Error,
                experiment: "viability_day7".into(),
                source: "viability_day7/qc.csv".into(),
                message: "plate P1 Z′ 0.31 < 0.5".into(),
            },
        ],
        experiments: vec![ExperimentSection {
            name: "viability_day7".into(),
            title: "Viability".into(),
            kind: "viability".into(),
            text: vec!["Five lines.".into()],
            tables: vec![Table {
                caption: "Potency".into(),
                headers: vec!["compound".into(), "ec50".into()],
                rows: vec![vec!["MI-503".into(), "NaN".into()]],
                notes: vec![],
            }],
            figures: vec![StudyFigure {
                caption: "Curves".into(),
                svg: "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"
                    .into(),
                png: Some("viability_day7/curves.png".into()),
            }],
        }],
        methods: vec![MethodsBlock {
            heading: "Viability".into(),
            paragraphs: vec!["f(x) = c + (d − c)/(1 + exp(b(ln x − ln e)))".into()],
            sources: vec!["Ritz 2015".into()],
        }],
        provenance: StudyProvenance {
            tool_version: "0.1.0".into(),
            command: "preclin analyze study.toml".into(),
            generated_at: Some("2026-01-01T00:00:00Z".into()),
            inputs: vec![("a.csv".into(), "ab".repeat(32))],
            options: vec![("viability_day7.model".into(), "ll4".into())],
            seeds: vec![("combination.bootstrap".into(), 123)],
        },
    }
}

#[test]
fn renders_sections_in_order_without_nan() {
    let html = render(&sample(), &Templates::default()).unwrap();
    let pos = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} missing"));
    // TOC, then summary, QC, reference, experiment, methods, provenance
    let order = [
        "<nav class=\"toc\"",
        "id=\"summary\"",
        "id=\"qc\"",
        "id=\"reference\"",
        "id=\"experiment-1\"",
        "id=\"methods\"",
        "id=\"provenance\"",
    ];
    for w in order.windows(2) {
        assert!(pos(w[0]) < pos(w[1]), "{} before {}", w[0], w[1]);
    }
    assert!(html.contains("EC50 310 nM (95 % CI 250–401)"));
    assert!(html.contains("IC50 not estimable"));
    assert!(!html.contains("NaN") && !html.contains("inf"));
    // escaped title, inlined SVG without its declaration
    assert!(html.contains("MI-503 &lt;study&gt;"));
    assert!(html.contains("<svg xmlns") && !html.contains("<?xml"));
    // errors sorted before notes; the disagreement flagged
    assert!(pos("plate P1") < pos("geNorm M"));
    assert!(html.contains("<tr class=\"disagrees\""));
    // the one-line statement of a judged comparison, in words
    assert!(html.contains(
        "<li class=\"disagrees\">MI-503 EC50, MV4;11: measured 310 nM (95 % CI 250–401); published GI50 ≈ 250–570 nM (Borkin 2015) — <span class=\"verdict disagrees\">less potent</span></li>"
    ));
    assert!(html.contains("1 measured value(s) disagree"));
    assert!(html.contains(&"ab".repeat(32)));
    assert!(html.contains("combination.bootstrap = 123"));
    assert!(html.contains("2026-01-01T00:00:00Z"));
    assert!(html.contains("(PNG: <code>viability_day7&#x2f;curves.png</code>)"));
    assert_eq!(html, render(&sample(), &Templates::default()).unwrap());
}

#[test]
fn user_template_overrides_and_errors_name_file_and_line() {
    let mut t = Templates::default();
    t.set("style.css", "/my/style.css", "body { color: red; }".into())
        .unwrap();
    let html = render(&sample(), &t).unwrap();
    assert!(html.contains("body { color: red; }"));
    assert!(!html.contains("max-width: 66rem"));

    let mut t = Templates::default();
    t.set(
        "experiment.html",
        "/my/experiment.html",
        "<section>\n{{ e.title }}\n{{ e.nope }}\n</section>".into(),
    )
    .unwrap();
    let err = render(&sample(), &t).unwrap_err().to_string();
    assert!(err.contains("/my/experiment.html:3"), "{err}");

    let mut t = Templates::default();
    t.set(
        "report.html",
        "/my/report.html",
        "line one\n{% for x in %}".into(),
    )
    .unwrap();
    let err = render(&sample(), &t).unwrap_err().to_string();
    assert!(err.contains("/my/report.html:2"), "{err}");
    assert!(t.set("other.html", "x", String::new()).is_err());
}

#[test]
fn number_formatting() {
    assert_eq!(fmt_sig(Some(310.44)), "310");
    assert_eq!(fmt_sig(Some(0.4529)), "0.453");
    assert_eq!(fmt_sig(Some(12.0)), "12.0");
    assert_eq!(fmt_sig(Some(-1.763)), "-1.76");
    assert_eq!(fmt_sig(Some(4.3e9)), "4.30e9");
    assert_eq!(fmt_sig(Some(0.0)), "0");
    assert_eq!(fmt_sig(Some(f64::INFINITY)), "—");
    assert_eq!(fmt_sig(None), "—");
    let mut k = KeyNumber {
        metric: "EC50".into(),
        value: Some(51409.0),
        ci_lower: Some(0.612),
        ci_upper: Some(4.32e9),
        unit: "nM".into(),
        ..KeyNumber::default()
    };
    assert_eq!(
        render::key_text(&k),
        "EC50 51409 nM (95 % CI very wide: 0.612–4.32e9)"
    );
    k.ci_lower = Some(30000.0);
    k.ci_upper = Some(90000.0);
    assert_eq!(render::key_text(&k), "EC50 51409 nM (95 % CI 30000–90000)");
    assert_eq!(fmt_p(Some(0.004966)), "p = 0.0050");
    assert_eq!(fmt_p(Some(0.0228)), "p = 0.023");
    assert_eq!(fmt_p(Some(0.5)), "p = 0.50");
    assert_eq!(fmt_p(Some(3e-25)), "p < 0.0001");
    assert_eq!(fmt_p(Some(f64::NAN)), "—");
}
