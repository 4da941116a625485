//! `preclin analyze` on the example study (`examples/study/study.toml`,
//! files from `examples/demo`): every experiment's outputs, the store
//! (`preclin db query`), idempotent re-analysis, byte-identical outputs,
//! and bad manifests / data files (exit 2, line and column named).

use std::path::{Path, PathBuf};

use crate::common::{Csv, TempDir, example_dir, preclin, read};

fn study_toml() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/study/study.toml")
}

/// The example manifest with its `../demo/` and `../resistance/` paths made absolute, so that
/// a modified copy can live in a temporary folder.
fn manifest_text() -> String {
    let demo = example_dir().canonicalize().unwrap();
    let res = example_dir().join("../resistance").canonicalize().unwrap();
    read(&study_toml())
        .replace("../demo/", &format!("{}/", demo.display()))
        .replace("../resistance/", &format!("{}/", res.display()))
}

const OUTPUTS: [&str; 19] = [
    "viability_day7/potency.csv",
    "viability_day7/fits.csv",
    "viability_day7/normalized.csv",
    "combination/combination.csv",
    "combination/combination.json",
    "qpcr/qpcr.csv",
    "qpcr/qpcr.svg",
    "cfu/cfu.csv",
    "cfu/cfu.svg",
    "xenograft/xenograft.csv",
    "xenograft/xenograft_growth.svg",
    "survival/survival.csv",
    "survival/survival.svg",
    "engraftment/engraftment.csv",
    "engraftment/engraftment.json",
    "cross_resistance/viability.csv",
    "cross_resistance/viability_long.csv",
    "cross_resistance/viability.svg",
    "flow_markers/markers.csv",
];

#[test]
fn analyze_example_study_into_store() {
    let dir = TempDir::new("analyze");
    let out = dir.join("out");
    let outs = out.to_str().unwrap();
    let manifest = study_toml();
    let r = preclin(["analyze", manifest.to_str().unwrap(), "--out", outs]).ok();
    assert!(r.stdout.contains("viability_day7:"), "{}", r.stdout);
    for f in OUTPUTS {
        let p = out.join(f);
        assert!(p.is_file(), "{} missing", p.display());
        assert!(std::fs::metadata(&p).unwrap().len() > 0, "{f} empty");
    }
    let before: Vec<Vec<u8>> = OUTPUTS
        .iter()
        .map(|f| std::fs::read(out.join(f)).unwrap())
        .collect();

    // the MI-503 EC50 in MV4-11 (an alias of MV4;11), from the store
    let db = out.join("preclin.db");
    let dbs = db.to_str().unwrap();
    let q = preclin([
        "db",
        "--db",
        dbs,
        "query",
        "--compound",
        "mi-503",
        "--cell-line",
        "MV4-11",
        "--metric",
        "EC50",
    ])
    .ok();
    let t = Csv::parse(&q.stdout);
    assert_eq!(t.rows.len(), 1, "{}", q.stdout);
    assert_eq!(t.cell(0, "cell_line"), "MV4;11");
    assert_eq!(t.cell(0, "unit"), "nM");
    let (v, lo, hi) = (
        t.num(0, "value"),
        t.num(0, "ci_lower"),
        t.num(0, "ci_upper"),
    );
    // simulated around the published 250–570 nM GI50 range (examples/demo/README.md)
    assert!(v > 100.0 && v < 1000.0, "EC50 {v}");
    assert!(lo < v && v < hi, "CI {lo}–{hi} around {v}");
    // the number in the store is the one in potency.csv
    let pot = Csv::read(&out.join("viability_day7/potency.csv"));
    let i = pot.find(&["compound", "cell_line"], &["MI-503", "MV4-11"]);
    assert_eq!(pot.num(i, "ec50_geomean"), v);

    let runs = |db: &str| {
        let l = Csv::parse(&preclin(["db", "--db", db, "list"]).ok().stdout);
        assert_eq!(l.rows.len(), 1);
        l.num(0, "runs")
    };
    assert_eq!(runs(dbs), 9.0);
    let x = Csv::parse(
        &preclin([
            "db",
            "--db",
            dbs,
            "query",
            "--kind",
            "xenograft",
            "--metric",
            "TGI",
        ])
        .ok()
        .stdout,
    );
    assert!(
        x.rows.iter().any(|r| r[x.col("compound")] == "MI-503"),
        "{:?}",
        x.rows
    );

    // revumenib resistance factor of MV4-11 M327I vs WT: simulated with RF 30
    // (examples/resistance/truth.csv); the 95 % CI covers it
    let rf = Csv::parse(
        &preclin([
            "db",
            "--db",
            dbs,
            "query",
            "--compound",
            "revumenib",
            "--kind",
            "cross_resistance",
            "--metric",
            "resistance_factor",
        ])
        .ok()
        .stdout,
    );
    let i = rf.find(&["label"], &["M327I vs WT"]);
    assert!(
        rf.num(i, "ci_lower") < 30.0 && 30.0 < rf.num(i, "ci_upper"),
        "{:?}",
        rf.rows[i]
    );
    // flow: MI-503 raises CD11b above the vehicle's
    let fl = Csv::parse(
        &preclin([
            "db",
            "--db",
            dbs,
            "query",
            "--kind",
            "flow",
            "--metric",
            "delta_percent",
        ])
        .ok()
        .stdout,
    );
    let i = fl.find(&["label"], &["flow_MOLM-13_MI-503 CD11b"]);
    assert_eq!(fl.cell(i, "compound"), "MI-503");
    assert!(fl.num(i, "value") > 0.0);

    // a second analysis replaces the runs and writes the same bytes
    let r2 = preclin(["analyze", manifest.to_str().unwrap(), "--out", outs]).ok();
    assert!(r2.stdout.contains("replaced"), "{}", r2.stdout);
    assert_eq!(runs(dbs), 9.0);
    for (f, b) in OUTPUTS.iter().zip(&before) {
        assert_eq!(&std::fs::read(out.join(f)).unwrap(), b, "{f} changed");
    }

    // --db elsewhere
    let other = dir.join("other.db");
    preclin([
        "analyze",
        manifest.to_str().unwrap(),
        "--out",
        dir.join("out2").to_str().unwrap(),
        "--db",
        other.to_str().unwrap(),
    ])
    .ok();
    assert_eq!(runs(other.to_str().unwrap()), 9.0);
    assert!(!dir.join("out2/preclin.db").exists());
}

fn analyze_err(tag: &str, text: &str, extra: &[(&str, &str)]) -> String {
    let dir = TempDir::new(tag);
    for (name, body) in extra {
        dir.write(name, body);
    }
    let m = dir.write("study.toml", text);
    preclin([
        "analyze",
        m.to_str().unwrap(),
        "--out",
        dir.join("out").to_str().unwrap(),
    ])
    .user_error()
}

#[test]
fn analyze_unknown_compound_in_manifest() {
    let text = manifest_text().replace(
        "compounds = [\"MI-503\", \"quizartinib\"]",
        "compounds = [\"MI-503\", \"quizartinibb\"]",
    );
    let line = text
        .lines()
        .position(|l| l.contains("quizartinibb"))
        .unwrap()
        + 1;
    let err = analyze_err("analyze-compound", &text, &[]);
    assert!(err.contains("quizartinibb"), "{err}");
    assert!(
        err.contains(&format!("study.toml:{line}:")),
        "line {line}: {err}"
    );
}

#[test]
fn analyze_bad_glob() {
    let text = manifest_text().replace("cfu.csv\"]", "no_such_cfu_*.csv\"]");
    let line = text
        .lines()
        .position(|l| l.contains("no_such_cfu"))
        .unwrap()
        + 1;
    let err = analyze_err("analyze-glob", &text, &[]);
    assert!(err.contains("no_such_cfu"), "{err}");
    assert!(
        err.contains(&format!("study.toml:{line}:")),
        "line {line}: {err}"
    );
}

#[test]
fn analyze_unknown_compound_in_data_file() {
    let demo = example_dir().canonicalize().unwrap();
    let comb = read(&demo.join("combination.csv"));
    let mut lines: Vec<String> = comb.lines().map(String::from).collect();
    lines[3] = lines[3].replace("quizartinib", "ziftomenib");
    let text = manifest_text().replace(
        &format!("{}/combination.csv", demo.display()),
        "combination.csv",
    );
    let err = analyze_err(
        "analyze-data",
        &text,
        &[("combination.csv", &lines.join("\n"))],
    );
    assert!(err.contains("ziftomenib"), "{err}");
    assert!(err.contains("combination.csv:4:"), "{err}");
    assert!(err.contains("compound"), "{err}");
}

#[test]
fn analyze_unknown_invivo_option() {
    let text = manifest_text().replace("log_offset = 1", "log_offset = 1\nendpiont = 900");
    let err = analyze_err("analyze-option", &text, &[]);
    assert!(err.contains("endpiont"), "{err}");
    assert!(err.contains("xenograft"), "{err}");
}

/// `preclin analyze` with `SOURCE_DATE_EPOCH` fixed; returns (status code, stdout, stderr).
fn analyze_fixed_time(
    manifest: &Path,
    out: &Path,
    extra: &[&str],
) -> (Option<i32>, String, String) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_preclin"))
        .arg("analyze")
        .arg(manifest)
        .arg("--out")
        .arg(out)
        .args(extra)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("run preclin");
    let (so, se) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(!se.contains("panicked"), "{se}");
    (o.status.code(), so, se)
}

/// The `<tr …>…</tr>` row of `html` around the first occurrence of `needle`.
fn row_around<'a>(html: &'a str, needle: &str) -> &'a str {
    let i = html
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in report"));
    let start = html[..i].rfind("<tr").unwrap();
    let end = i + html[i..].find("</tr>").unwrap();
    &html[start..end]
}

const EXPERIMENTS: [&str; 9] = [
    "viability_day7",
    "combination",
    "qpcr",
    "cfu",
    "xenograft",
    "survival",
    "engraftment",
    "cross_resistance",
    "flow_markers",
];

#[test]
fn analyze_writes_study_report() {
    let dir = TempDir::new("analyze-report");
    let out = dir.join("out");
    let (code, stdout, stderr) = analyze_fixed_time(&study_toml(), &out, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("report → "), "{stdout}");
    let html = read(&out.join("report.html"));
    let pos = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} missing"));

    // table of contents first, the summary before the experiment sections, then methods and
    // the provenance footer
    let order = [
        "<nav class=\"toc\"",
        "<section id=\"summary\"",
        "<section id=\"qc\"",
        "<section id=\"reference\"",
        "<section id=\"experiment-1\"",
        "<section id=\"experiment-9\"",
        "<section id=\"methods\"",
        "<footer id=\"provenance\"",
    ];
    for w in order.windows(2) {
        assert!(pos(w[0]) < pos(w[1]), "{} before {}", w[0], w[1]);
    }
    for id in [
        "summary",
        "qc",
        "reference",
        "experiment-9",
        "methods",
        "provenance",
    ] {
        assert!(html.contains(&format!("href=\"#{id}\"")), "TOC entry {id}");
    }
    // a section per experiment, in manifest order
    let mut last = 0;
    for (i, e) in EXPERIMENTS.iter().enumerate() {
        let at = pos(&format!("<section id=\"experiment-{}\"", i + 1));
        assert!(at > last);
        last = at;
        assert!(html[at..].starts_with(&format!(
            "<section id=\"experiment-{}\" class=\"experiment\">\n<h2><span class=\"num\">{}</span>{e} (",
            i + 1,
            i + 4
        )));
    }
    // the summary row of MI-503 × MV4;11 carries its EC50 with a CI
    let summary = &html[pos("<section id=\"summary\"")..pos("<section id=\"qc\"")];
    let row = row_around(summary, "<td>MV4;11</td>");
    assert!(row.contains("<td>MI-503</td>"), "{row}");
    assert!(
        row.contains("EC50 ") && row.contains("nM (95 % CI "),
        "{row}"
    );

    // measured vs published: MI-503 × MV4;11 against the published GI50 250–570 nM, verdict
    // from the overlap rule (the simulated EC50 and its CI, see examples/demo/README.md)
    let pot = Csv::read(&out.join("viability_day7/potency.csv"));
    let i = pot.find(&["compound", "cell_line"], &["MI-503", "MV4-11"]);
    let (v, lo, hi) = (
        pot.num(i, "ec50_geomean"),
        pot.num(i, "ec50_lower"),
        pot.num(i, "ec50_upper"),
    );
    let row = row_around(&html, "title=\"MI-503 EC50, MV4;11: measured");
    assert!(row.contains("GI50 ≈ 250–570 nM"), "{row}");
    let expect = if lo <= 570.0 && hi >= 250.0 {
        "verdict agrees"
    } else {
        "verdict disagrees"
    };
    assert!(row.contains(expect), "EC50 {v} ({lo}–{hi}): {row}");
    assert!(row.contains(&format!("{}", v.round() as i64)), "{v}: {row}");
    // in vivo: the xenograft reduction beside the published > 80 %
    let row = row_around(
        &html,
        "title=\"MI-503 reduction, MV4;11 xenograft: measured",
    );
    assert!(row.contains("&gt; 80 percent"), "{row}");
    assert!(row.contains("class=\"verdict "), "{row}");

    // QC: plate outlier wells, xenograft exits, qPCR replicate spread
    let qc = &html[pos("<section id=\"qc\"")..pos("<section id=\"reference\"")];
    assert!(qc.contains("outlier wells (flagged, kept)"), "{qc}");
    assert!(qc.contains("left the study on day"), "{qc}");
    assert!(qc.contains("replicate_spread"), "{qc}");
    // methods state the definitions and formulas
    let methods = &html[pos("<section id=\"methods\"")..pos("<footer")];
    for s in [
        "relative IC50",
        "absolute IC50",
        "Bliss independence",
        "TGI definition groupmeans",
        "2^−ΔΔCt",
        "Kaplan–Meier",
        "Holm",
        "preclin 0.1.0",
    ] {
        assert!(methods.contains(s), "methods lack {s}");
    }
    // provenance footer: input hashes and the fixed time
    let footer = &html[pos("<footer")..];
    let xeno = read(&out.join("xenograft/xenograft.csv"));
    let sha = xeno
        .lines()
        .find_map(|l| l.split("sha256=").nth(1))
        .expect("input hash in xenograft.csv");
    assert_eq!(sha.len(), 64);
    assert!(footer.contains(sha), "xenograft input hash");
    assert!(footer.contains("2023-11-14T22:13:20Z"));
    assert!(footer.contains("combination.bootstrap = 123"));

    // no NaN / inf number text (the word "infinity" in a definition is fine); no network
    // resources (only the SVG / XLink namespaces)
    for token in html.split(|c: char| !c.is_ascii_alphanumeric()) {
        let t = token.to_ascii_lowercase();
        assert!(t != "nan" && t != "inf", "{token} in report");
    }
    for bad in ["src=", "<link", "@import", "<script"] {
        assert!(!html.contains(bad), "{bad} in report");
    }
    // url() only for the figures' own clip paths
    assert_eq!(html.matches("url(").count(), html.matches("url(#").count());
    let http = html.matches("http://").count() + html.matches("https://").count();
    let ns = html.matches("http://www.w3.org/2000/svg").count()
        + html.matches("http://www.w3.org/1999/xlink").count();
    assert_eq!(http, ns, "only XML namespaces may name a URL");

    // a PNG beside every SVG
    let mut pngs = Vec::new();
    for e in EXPERIMENTS {
        for f in std::fs::read_dir(out.join(e)).unwrap() {
            let p = f.unwrap().path();
            if p.extension().is_some_and(|x| x == "svg") {
                let png = p.with_extension("png");
                let b = std::fs::read(&png).unwrap_or_else(|_| panic!("{} missing", png.display()));
                assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n");
                pngs.push((png, b));
            }
        }
    }
    assert!(pngs.len() >= 13, "{} PNGs", pngs.len());
    // the report's own figures: viability dose–response, combination heatmaps
    for f in [
        "viability_day7/dose_response_MI-503",
        "combination/block_1_response",
        "combination/block_1_bliss",
    ] {
        assert!(out.join(format!("{f}.png")).is_file(), "{f}.png");
        let name = f.split('/').nth(1).unwrap();
        assert!(
            html.contains(&format!("({name}.svg)")),
            "{name} figure in report"
        );
    }

    // a second run: byte-identical report and PNGs
    let (code, _, stderr) = analyze_fixed_time(&study_toml(), &out, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        read(&out.join("report.html")) == html,
        "report.html changed"
    );
    for (p, b) in &pngs {
        assert!(&std::fs::read(p).unwrap() == b, "{} changed", p.display());
    }
}

#[test]
fn analyze_report_templates() {
    let dir = TempDir::new("analyze-templates");
    let tpl = dir.join("tpl");
    std::fs::create_dir_all(&tpl).unwrap();
    std::fs::write(tpl.join("style.css"), "body { color: #123456; }\n").unwrap();
    let out = dir.join("out");
    let t = tpl.to_str().unwrap();
    let (code, _, stderr) = analyze_fixed_time(&study_toml(), &out, &["--templates", t]);
    assert_eq!(code, Some(0), "{stderr}");
    let html = read(&out.join("report.html"));
    assert!(html.contains("body { color: #123456; }"));
    assert!(!html.contains("max-width: 66rem"), "default style replaced");

    // a broken user template: exit 2, the file and line named
    std::fs::write(
        tpl.join("experiment.html"),
        "<section>\n<h2>{{ e.title }}</h2>\n{{ e.no_such_field }}\n</section>\n",
    )
    .unwrap();
    let (code, _, stderr) = analyze_fixed_time(&study_toml(), &out, &["--templates", t]);
    assert_eq!(code, Some(2), "{stderr}");
    let file = tpl.join("experiment.html");
    assert!(
        stderr.contains(&format!("{}:3", file.display())),
        "{stderr}"
    );
    std::fs::write(tpl.join("experiment.html"), "{% for x in %}\n").unwrap();
    let (code, _, stderr) = analyze_fixed_time(&study_toml(), &out, &["--templates", t]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:1", file.display())),
        "{stderr}"
    );
    // not a folder
    let (code, _, stderr) =
        analyze_fixed_time(&study_toml(), &out, &["--templates", "/no/such/dir"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("not a folder"), "{stderr}");
}

#[test]
fn analyze_failed_experiment_still_reported() {
    // a reference gene the qPCR file lacks: the qpcr engine fails at run time
    let text = manifest_text().replace(
        "reference = [\"ACTB\", \"GAPDH\"]",
        "reference = [\"ACTB\", \"NOPE1\"]",
    );
    let dir = TempDir::new("analyze-failed");
    let m = dir.write("study.toml", &text);
    let out = dir.join("out");
    let (code, _, stderr) = analyze_fixed_time(&m, &out, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("qpcr"), "{stderr}");
    // the report is written; the failure is a QC error and the other experiments are there
    let html = read(&out.join("report.html"));
    let qc = &html
        [html.find("<section id=\"qc\"").unwrap()..html.find("<section id=\"reference\"").unwrap()];
    let row = row_around(qc, "experiment failed");
    assert!(row.contains("<span class=\"sev error\">"), "{row}");
    assert!(row.contains("NOPE1"), "{row}");
    assert!(html.contains("<section id=\"experiment-9\""));
    assert!(html.contains("title=\"MI-503 EC50, MV4;11: measured"));
}
