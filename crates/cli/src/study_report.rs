//! The whole-study report of `preclin analyze`: reads what the engines wrote into
//! `OUT/<experiment>/` (QC tables, flags, exits, FCS repairs, the definition comments, SVG
//! figures; viability dose–response figures are drawn first by [`crate::study_figures`]) into
//! typed facts, writes a PNG beside every SVG (`preclin_report::png`), builds the
//! report with `preclin_study::summary::build` (pure) and renders `OUT/report.html` with the
//! default or the user's templates (`--templates DIR`).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use preclin_report::html::Table;
use preclin_report::study::{QcItem, Severity, StudyFigure, TEMPLATE_NAMES, Templates, fmt_sig};
use preclin_study::manifest::{Experiment, ExperimentKind, ExperimentOptions, Manifest};
use preclin_study::provenance::{Timestamp, sha256_file};
use preclin_study::reference::ReferenceTable;
use preclin_study::store::RunImport;
use preclin_study::summary::{ExperimentFacts, RunMeta, build};
use serde_json::Value;

/// PNG scale: 2 pixels per SVG unit (sharp on high-density screens and in print).
pub const PNG_SCALE: f32 = 2.0;

/// An experiment's outcome: its run, or why it failed.
pub type Outcome = Result<RunImport, String>;

/// Writes `OUT/report.html` (and a PNG beside every SVG); returns its path.
pub fn write(
    m: &Manifest,
    manifest_path: &Path,
    out: &Path,
    outcomes: Vec<(String, Outcome)>,
    templates: &Templates,
) -> anyhow::Result<PathBuf> {
    let mut facts = Vec::new();
    for (name, outcome) in outcomes {
        let Some(e) = m.experiment(&name) else {
            continue;
        };
        let mut f = read_facts(e, out)?;
        match outcome {
            Ok(run) => f.run = Some(run),
            Err(err) => f.error = Some(err),
        }
        facts.push(f);
    }
    let meta = RunMeta {
        command: format!(
            "preclin analyze {} --out {}",
            manifest_path.display(),
            out.display()
        ),
        generated_at: Some(Timestamp::now().rfc3339()),
        manifest: sha256_file(manifest_path)
            .ok()
            .map(|h| (manifest_path.display().to_string(), h)),
    };
    let report = build(m, &facts, &ReferenceTable::bundled(), &meta);
    let html = preclin_report::study::render(&report, templates)?;
    let path = out.join("report.html");
    std::fs::write(&path, html).with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(path)
}

/// The default templates with every file of `dir` named like one of them put in their place
/// (checked before any experiment runs).
pub fn load_templates(dir: Option<&Path>) -> anyhow::Result<Templates> {
    let mut t = Templates::default();
    let Some(dir) = dir else {
        return Ok(t);
    };
    if !dir.is_dir() {
        bail!("--templates {}: not a folder", dir.display());
    }
    let mut found = 0;
    for name in TEMPLATE_NAMES {
        let p = dir.join(name);
        if p.is_file() {
            let src = std::fs::read_to_string(&p)
                .with_context(|| format!("{}: cannot read", p.display()))?;
            t.set(name, &p.display().to_string(), src)?;
            found += 1;
        }
    }
    if found == 0 {
        bail!(
            "--templates {}: none of {} found",
            dir.display(),
            TEMPLATE_NAMES.join(", ")
        );
    }
    Ok(t)
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "input".into())
}

/// The result files an experiment's engine wrote (relative to OUT).
fn result_files(e: &Experiment) -> Vec<String> {
    match e.kind {
        ExperimentKind::Viability => vec![format!("{}/potency.csv", e.name)],
        ExperimentKind::Flow => vec![format!("{}/markers.csv", e.name)],
        ExperimentKind::CrossResistance => e
            .files
            .iter()
            .map(|f| format!("{}/{}_long.csv", e.name, stem(f)))
            .collect(),
        _ => e
            .files
            .iter()
            .map(|f| format!("{}/{}.csv", e.name, stem(f)))
            .collect(),
    }
}

/// The `#` definition lines of a result file, without the provenance lines (version, command,
/// input hashes), which the footer has.
fn definitions(path: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches('#').trim().to_string())
        .filter(|l| !l.is_empty() && !l.starts_with("preclin ") && !l.starts_with("input "))
        .collect()
}

fn read_facts(e: &Experiment, out: &Path) -> anyhow::Result<ExperimentFacts> {
    let files = result_files(e);
    let mut f = ExperimentFacts {
        name: e.name.clone(),
        results_file: files.first().cloned().unwrap_or_default(),
        ..ExperimentFacts::default()
    };
    for r in &files {
        f.definitions.extend(definitions(&out.join(r)));
    }
    let dir = out.join(&e.name);
    match e.kind {
        ExperimentKind::Viability => {
            viability_qc(e, &dir, &mut f);
            crate::study_figures::viability(&dir)?;
        }
        ExperimentKind::Qpcr => {
            for file in &e.files {
                let rel = format!("{}/{}_qc.csv", e.name, stem(file));
                qpcr_qc(&out.join(&rel), &rel, &mut f.qc);
            }
        }
        ExperimentKind::Xenograft => {
            for file in &e.files {
                let rel = format!("{}/{}.json", e.name, stem(file));
                xenograft_qc(&out.join(&rel), &rel, &mut f.qc);
            }
        }
        ExperimentKind::Flow => fcs_repairs(e, &mut f.qc),
        ExperimentKind::Combination => {
            if let ExperimentOptions::Combination(o) = &e.options {
                crate::study_figures::combination(&dir, &e.files, o)?;
            }
        }
        _ => {}
    }
    f.figures = figures(e, out)?;
    Ok(f)
}

/// Every SVG of the experiment's folder (sorted by name), with a PNG written beside it.
fn figures(e: &Experiment, out: &Path) -> anyhow::Result<Vec<StudyFigure>> {
    let dir = out.join(&e.name);
    let mut svgs: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|d| d.ok().map(|d| d.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "svg"))
            .collect(),
        Err(_) => Vec::new(),
    };
    svgs.sort();
    let mut figs = Vec::new();
    for p in svgs {
        let svg =
            std::fs::read_to_string(&p).with_context(|| format!("{}: cannot read", p.display()))?;
        let png_path = p.with_extension("png");
        let png = preclin_report::png::svg_to_png(&svg, PNG_SCALE)
            .with_context(|| format!("{}: PNG", p.display()))?;
        std::fs::write(&png_path, png)
            .with_context(|| format!("{}: cannot write", png_path.display()))?;
        let s = stem(&p);
        figs.push(StudyFigure {
            caption: caption(e.kind, &s),
            svg,
            png: Some(format!("{}/{s}.png", e.name)),
        });
    }
    Ok(figs)
}

fn caption(kind: ExperimentKind, stem: &str) -> String {
    let what = if stem.ends_with("_growth") {
        "Tumour growth: mean ± SEM volume per group over days, per-mouse lines"
    } else if stem.starts_with("dose_response_") {
        "Dose–response: mean ± SD of the wells per dose (all experiments), LL.4 fit to the pooled wells with its 95 % pointwise band (display only), marker at the reported geometric-mean EC50"
    } else if stem.starts_with("block_") && stem.ends_with("_response") {
        "Combination: mean % inhibition per dose pair (drug 1 on the rows, drug 2 on the columns)"
    } else if stem.starts_with("block_") && stem.ends_with("_bliss") {
        "Combination: Bliss synergy per dose pair (observed − expected % inhibition, bootstrap mean with the experiment's seed; red = synergy)"
    } else if stem.ends_with("_waterfall") {
        "Best response per mouse (waterfall), % change from baseline volume"
    } else {
        match kind {
            ExperimentKind::Qpcr => "Relative expression: fold change 2^−ΔΔCt per gene and group",
            ExperimentKind::Cfu => "Colony formation: % of control per group with 95 % CI",
            ExperimentKind::Survival => "Kaplan–Meier survival per group, number at risk",
            ExperimentKind::Engraftment => "PDX engraftment: % hCD45 over days per group",
            ExperimentKind::CrossResistance => "Resistance factors per compound and line",
            _ => "Figure",
        }
    };
    format!("{what} ({stem}.svg)")
}

fn read_csv(path: &Path) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .flexible(true)
        .from_path(path)
        .ok()?;
    let headers: Vec<String> = rdr.headers().ok()?.iter().map(String::from).collect();
    let rows = rdr
        .records()
        .filter_map(|r| r.ok())
        .map(|r| r.iter().map(String::from).collect())
        .collect();
    Some((headers, rows))
}

fn col<'a>(h: &[String], row: &'a [String], name: &str) -> &'a str {
    h.iter()
        .position(|c| c == name)
        .and_then(|i| row.get(i))
        .map(|s| s.trim())
        .unwrap_or("")
}

/// Plate QC of a viability experiment: failed plates and Z′ < 0.5 are errors, outlier wells and
/// edge effects warnings; the plate QC table goes into the section.
fn viability_qc(e: &Experiment, dir: &Path, f: &mut ExperimentFacts) {
    let rel = format!("{}/qc.csv", e.name);
    let Some((h, rows)) = read_csv(&dir.join("qc.csv")) else {
        return;
    };
    let mut table = Table {
        caption:
            "Plate QC (Z′ from vehicle and positive-control wells; outlier wells flagged, kept)"
                .into(),
        headers: ["plate", "pass", "Z′", "CV vehicle %", "outlier wells"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows: Vec::new(),
        notes: Vec::new(),
    };
    for r in &rows {
        let plate = col(&h, r, "plate");
        let z = col(&h, r, "z_prime")
            .parse::<f64>()
            .ok()
            .filter(|z| z.is_finite());
        let cv = col(&h, r, "cv_vehicle_pct").parse::<f64>().ok();
        let outliers = col(&h, r, "outlier_wells").replace(';', ", ");
        table.rows.push(vec![
            plate.to_string(),
            col(&h, r, "pass").to_string(),
            z.map(|z| fmt_sig(Some(z))).unwrap_or_default(),
            cv.map(|c| fmt_sig(Some(c))).unwrap_or_default(),
            outliers.clone(),
        ]);
        let mut push = |severity, message: String| {
            f.qc.push(QcItem {
                severity,
                experiment: e.name.clone(),
                source: rel.clone(),
                message,
            })
        };
        if col(&h, r, "pass") == "false" {
            push(
                Severity::Error,
                format!("plate {plate} failed QC: {}", col(&h, r, "warnings")),
            );
        } else if let Some(z) = z.filter(|z| *z < 0.5) {
            push(
                Severity::Error,
                format!("plate {plate}: Z′ = {} < 0.5", fmt_sig(Some(z))),
            );
        }
        if z.is_none() {
            push(
                Severity::Warning,
                format!("plate {plate}: Z′ could not be computed"),
            );
        }
        if !outliers.is_empty() {
            push(
                Severity::Warning,
                format!("plate {plate}: outlier wells (flagged, kept): {outliers}"),
            );
        }
        if col(&h, r, "edge_flag") == "true" {
            push(Severity::Warning, format!("plate {plate}: edge effect"));
        }
    }
    f.tables.push(table);
}

/// qPCR QC (`--qc-out`): one item per (severity, code) with the count and the first message.
fn qpcr_qc(path: &Path, rel: &str, qc: &mut Vec<QcItem>) {
    let Some((h, rows)) = read_csv(path) else {
        return;
    };
    let mut groups: Vec<(String, String, usize, String)> = Vec::new();
    for r in &rows {
        let (sev, code) = (col(&h, r, "severity"), col(&h, r, "code"));
        match groups.iter_mut().find(|g| g.0 == sev && g.1 == code) {
            Some(g) => g.2 += 1,
            None => groups.push((sev.into(), code.into(), 1, col(&h, r, "message").into())),
        }
    }
    for (sev, code, n, msg) in groups {
        qc.push(QcItem {
            severity: if sev == "warning" {
                Severity::Warning
            } else {
                Severity::Note
            },
            experiment: String::new(),
            source: rel.to_string(),
            message: format!("{code} ×{n}: {msg}"),
        });
    }
}

/// Xenograft exits, warnings and body-weight losses ≥ 15 % from the engine's JSON.
fn xenograft_qc(path: &Path, rel: &str, qc: &mut Vec<QcItem>) {
    let Some(v) = std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
    else {
        return;
    };
    let s = |x: &Value, k: &str| match x.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(o) => o.to_string(),
    };
    let mut push = |severity, message| {
        qc.push(QcItem {
            severity,
            experiment: String::new(),
            source: rel.to_string(),
            message,
        })
    };
    for x in v
        .get("exits")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        push(
            Severity::Warning,
            format!(
                "mouse {} ({}) left the study on day {}: {}",
                s(x, "mouse"),
                s(x, "group"),
                s(x, "day"),
                s(x, "reason")
            ),
        );
    }
    for x in v
        .get("warnings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        push(
            Severity::Warning,
            x.as_str()
                .map(String::from)
                .unwrap_or_else(|| x.to_string()),
        );
    }
    for x in v
        .get("toxicity")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let d15 = s(x, "first_day_loss_over_15");
        if !d15.is_empty() {
            push(
                Severity::Warning,
                format!(
                    "mouse {} ({}): body-weight loss ≥ 15 % from day {d15} (nadir {} %)",
                    s(x, "mouse"),
                    s(x, "group"),
                    x.get("nadir_percent_change")
                        .and_then(Value::as_f64)
                        .map(|v| fmt_sig(Some(v)))
                        .unwrap_or_default()
                ),
            );
        }
    }
}

/// Repairs the FCS reader made to the flow experiment's files (samples, control, vehicle).
fn fcs_repairs(e: &Experiment, qc: &mut Vec<QcItem>) {
    let mut files = e.files.clone();
    if let ExperimentOptions::Flow(_) = &e.options {
        files.extend(
            e.option_files
                .iter()
                .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("fcs")))
                .cloned(),
        );
    }
    for p in files {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Ok(fcs) = preclin_fcs::FcsFile::open(&p) else {
            continue;
        };
        for d in fcs.datasets() {
            for r in &d.repairs {
                qc.push(QcItem {
                    severity: Severity::Warning,
                    experiment: String::new(),
                    source: name.clone(),
                    message: format!("FCS file repaired: {r}"),
                });
            }
        }
    }
}
