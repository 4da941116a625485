//! `preclin analyze STUDY.toml`: run every experiment of a study manifest
//! through its engine and keep the results in the study store.
//!
//! For each experiment the existing command is run in-process with the
//! argument list built from the manifest's typed options (viability,
//! combination → `synergy`, cross_resistance → `resistance`, qpcr, cfu,
//! flow → `markers`) or, for the in vivo kinds
//! (xenograft, survival, engraftment, invivo_synergy → `synergy-invivo`),
//! from their free option table whose keys are that command's flags
//! (`per_mouse` or `per-mouse` → `--per-mouse`; `true` → the bare flag;
//! arrays → comma-separated). Outputs go to `OUT/<experiment>/`.
//! Before any engine runs, every experiment is checked ([`validate`]):
//! in vivo option keys, and every compound / cell line named in its tidy
//! data files declared in the manifest (an error names file and line).
//! Experiments then run in parallel (rayon); the runs are then imported into the
//! store in manifest order, one transaction each, replacing a run with the
//! same key (same inputs and options), so re-analysis is idempotent.
//! Last, the whole-study report `OUT/report.html` is written (also when an
//! experiment failed, which it then lists as a QC error), with a PNG beside
//! every SVG ([`crate::study_report`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use clap::{Args, CommandFactory, Parser};
use preclin_study::manifest::{self, Experiment, ExperimentKind, ExperimentOptions, Manifest};
use preclin_study::provenance::sha256_file;
use preclin_study::store::{
    ExperimentRecord, MetricValue, Observation, Provenance, ResultRecord, RunImport, Store,
    StudyRecord,
};
use rayon::prelude::*;
use serde_json::{Map, Value};

/// Arguments of `preclin analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The study manifest (study.toml).
    pub manifest: PathBuf,
    /// Output folder: one sub-folder per experiment.
    #[arg(short, long, default_value = "study_out")]
    pub out: PathBuf,
    /// Store (SQLite); default OUT/preclin.db.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Folder of report templates replacing the built-in ones file by file
    /// (report.html, experiment.html, style.css).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

/// Runs `preclin analyze`.
pub fn run(a: AnalyzeArgs) -> anyhow::Result<()> {
    let m = match manifest::load(&a.manifest) {
        Ok(m) => m,
        Err(e) => {
            let d = e.diagnostics();
            if d.is_empty() {
                return Err(anyhow!("{e}"));
            }
            let p = a.manifest.display();
            let lines: Vec<String> = d
                .iter()
                .map(|d| match d.location {
                    Some(l) => format!("{p}:{}:{}: {}", l.line, l.column, d.message),
                    None => format!("{p}: {}", d.message),
                })
                .collect();
            bail!("invalid study manifest:\n{}", lines.join("\n"));
        }
    };
    // Everything that can be checked without running an engine — kinds,
    // in vivo option keys, compound / cell-line names in the data files —
    // is checked for every experiment before any output is written.
    for e in &m.experiments {
        validate(&m, e)
            .with_context(|| format!("experiment \"{}\" ({})", e.name, e.kind.as_str()))?;
    }
    let templates = crate::study_report::load_templates(a.templates.as_deref())?;
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("{}: cannot create", a.out.display()))?;
    let manifest_sha = sha256_file(&a.manifest).ok();
    let study = StudyRecord::from_manifest(&m, manifest_sha);
    let runs: Vec<anyhow::Result<RunImport>> = m
        .experiments
        .par_iter()
        .map(|e| {
            analyze_experiment(&m, e, &study, &a.out)
                .with_context(|| format!("experiment \"{}\" ({})", e.name, e.kind.as_str()))
        })
        .collect();
    let db = a.db.clone().unwrap_or_else(|| a.out.join("preclin.db"));
    let mut store = Store::open(&db).with_context(|| format!("{}", db.display()))?;
    let mut first_err = None;
    let mut outcomes = Vec::new();
    for (e, r) in m.experiments.iter().zip(runs) {
        match r {
            Ok(run) => {
                let o = store
                    .import(&run)
                    .with_context(|| format!("{}: import of {}", db.display(), e.name))?;
                println!(
                    "{}: {} observations, {} results → {} (run {}{})",
                    e.name,
                    run.observations.len(),
                    run.results.len(),
                    a.out.join(&e.name).display(),
                    o.run_id,
                    if o.replaced { ", replaced" } else { "" }
                );
                outcomes.push((e.name.clone(), Ok(run)));
            }
            Err(err) => {
                outcomes.push((e.name.clone(), Err(format!("{err:#}"))));
                if first_err.is_none() {
                    first_err = Some(err);
                }
            }
        }
    }
    match crate::study_report::write(&m, &a.manifest, &a.out, outcomes, &templates) {
        Ok(p) => println!("report → {}", p.display()),
        Err(e) if first_err.is_none() => return Err(e.context("study report")),
        Err(e) => eprintln!("error: study report: {e:#}"),
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// Runs one `preclin` command in-process.
fn preclin(args: &[String]) -> anyhow::Result<()> {
    let cli = crate::Cli::try_parse_from(
        std::iter::once("preclin".to_string()).chain(args.iter().cloned()),
    )
    .map_err(|e| anyhow!("preclin {}: {e}", args.join(" ")))?;
    crate::run_command(cli.command)
}

/// The CLI spelling of a manifest enum (its serde name).
fn name<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s.replace('_', "-"),
        _ => String::new(),
    }
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "input".into())
}

/// The input files of an experiment that are not its data files or the
/// named option files `skip` (e.g. the time-zero plates of a viability
/// experiment).
fn other_option_files(e: &Experiment, skip: &[PathBuf]) -> Vec<PathBuf> {
    e.option_files
        .iter()
        .filter(|f| !skip.iter().any(|s| s == *f || f.ends_with(s)))
        .cloned()
        .collect()
}

/// Checks an experiment without running its engine: a kind `analyze`
/// runs, known option keys, and every compound / cell line named in its
/// tidy data files (and a viability layout / plate table) declared.
fn validate(m: &Manifest, e: &Experiment) -> anyhow::Result<()> {
    match &e.options {
        ExperimentOptions::Viability(o) => {
            check_names(m, &m.base_dir.join(&o.layout), &["compound"], &[])?;
            if let Some(pi) = &o.plate_info {
                check_names(m, &m.base_dir.join(pi), &[], &["cell_line"])?;
            }
            return Ok(());
        }
        ExperimentOptions::InVivo(table) => {
            let table = match serde_json::to_value(table) {
                Ok(Value::Object(t)) => t,
                _ => Map::new(),
            };
            flag_args(m, in_vivo_command(e.kind)?, &table)?;
        }
        ExperimentOptions::Flow(o) => {
            if o.control.is_none() {
                bail!("a flow experiment needs `control` (the FMO / isotype / vehicle FCS file)");
            }
            return Ok(());
        }
        _ => {}
    }
    for f in &e.files {
        tidy_observations(m, e, f, &rel(m, f))?;
    }
    Ok(())
}

/// The command of an in vivo kind.
fn in_vivo_command(kind: ExperimentKind) -> anyhow::Result<&'static str> {
    Ok(match kind {
        ExperimentKind::Xenograft => "xenograft",
        ExperimentKind::Survival => "survival",
        ExperimentKind::Engraftment => "engraftment",
        ExperimentKind::InvivoSynergy => "synergy-invivo",
        k => bail!("kind {} has no in vivo engine", k.as_str()),
    })
}

fn analyze_experiment(
    m: &Manifest,
    e: &Experiment,
    study: &StudyRecord,
    out: &Path,
) -> anyhow::Result<RunImport> {
    let dir = out.join(&e.name);
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let mut seeds = BTreeMap::new();
    let mut observations = Vec::new();
    let mut results = Vec::new();
    match &e.options {
        ExperimentOptions::Viability(o) => {
            let layout = m.base_dir.join(&o.layout);
            check_names(m, &layout, &["compound"], &[])?;
            let mut skip = vec![layout.clone()];
            if let Some(pi) = &o.plate_info {
                let pi = m.base_dir.join(pi);
                check_names(m, &pi, &[], &["cell_line"])?;
                skip.push(pi);
            }
            let mut args = vec!["viability".to_string(), "--plates".into()];
            args.extend(e.files.iter().map(|f| s(f)));
            args.extend(["--layout".into(), s(&layout)]);
            let t0 = other_option_files(e, &skip);
            if !t0.is_empty() {
                args.push("--time-zero".into());
                args.extend(t0.iter().map(|f| s(f)));
            }
            if let Some(pi) = &o.plate_info {
                args.extend(["--plate-info".into(), s(&m.base_dir.join(pi))]);
            }
            args.extend(["--readout".into(), name(&o.readout)]);
            args.extend(["--experiment-by".into(), o.experiment_by.join(",")]);
            if !o.normal_lines.is_empty() {
                args.extend(["--normal-lines".into(), o.normal_lines.join(",")]);
            }
            let f = &o.fit;
            args.extend(["--model".into(), name(&f.model)]);
            for (flag, v) in [
                ("--fix-bottom", f.fix_bottom),
                ("--fix-top", f.fix_top),
                ("--fix-hill", f.fix_hill),
                ("--control-response", f.control_response),
            ] {
                if let Some(v) = v {
                    args.extend([flag.to_string(), v.to_string()]);
                }
            }
            args.extend(["--ci".into(), name(&f.ci)]);
            args.extend(["--level".into(), f.level.to_string()]);
            if !f.ed.is_empty() {
                let ed: Vec<String> = f.ed.iter().map(|x| x.to_string()).collect();
                args.extend(["--ed".into(), ed.join(",")]);
            }
            args.extend(["--max-iter".into(), f.max_iter.to_string()]);
            args.extend(["-o".into(), s(&dir)]);
            preclin(&args)?;
            let norm = dir.join("normalized.csv");
            observations = tidy_observations(m, e, &norm, &format!("{}/normalized.csv", e.name))?;
            for r in read_rows(&dir.join("potency.csv"))?.1 {
                results.push(result(
                    m,
                    &r,
                    Some("pooled".into()),
                    &[
                        ("EC50", "ec50_geomean", "ec50_lower", "ec50_upper"),
                        ("IC50", "ic50_geomean", "ic50_lower", "ic50_upper"),
                    ],
                    unit_of(&r, "dose_unit"),
                ));
            }
        }
        ExperimentOptions::Combination(o) => {
            seeds.insert("bootstrap".to_string(), o.seed);
            for f in &e.files {
                let obs = tidy_observations(m, e, f, &rel(m, f))?;
                let block_line: BTreeMap<String, String> = obs
                    .iter()
                    .filter_map(|o| Some((get(&o.data, "block_id"), o.cell_line.clone()?)))
                    .collect();
                observations.extend(obs);
                let base = dir.join(stem(f));
                let mut args = vec![
                    "synergy".to_string(),
                    s(f),
                    "--response-kind".into(),
                    name(&o.response_kind),
                    "--methods".into(),
                    o.methods.iter().map(name).collect::<Vec<_>>().join(","),
                    "--baseline".into(),
                    name(&o.baseline),
                    "--seed".into(),
                    o.seed.to_string(),
                    "--iterations".into(),
                    o.iterations.to_string(),
                ];
                if let Some(c) = &o.compat {
                    args.extend(["--compat".into(), name(c)]);
                }
                let csv = base.with_extension("csv");
                run_csv_json(&args, &csv)?;
                for r in read_rows(&csv)?.1 {
                    let mut r2 = r.clone();
                    r2.insert("compound".into(), Value::String(get(&r, "drug1")));
                    if let Some(l) = block_line.get(&get(&r, "block_id")) {
                        r2.insert("cell_line".into(), Value::String(l.clone()));
                    }
                    let label = format!("{} + {}", get(&r, "drug1"), get(&r, "drug2"));
                    let metrics: Vec<Metric> = vec![
                        ("bliss", "bliss", "bliss_lower", "bliss_upper"),
                        ("hsa", "hsa", "hsa_lower", "hsa_upper"),
                        ("loewe", "loewe", "loewe_lower", "loewe_upper"),
                        ("zip", "zip", "zip_lower", "zip_upper"),
                    ];
                    results.push(result(m, &r2, Some(label), &metrics, None));
                }
            }
        }
        ExperimentOptions::Qpcr(o) => {
            for f in &e.files {
                observations.extend(tidy_observations(m, e, f, &rel(m, f))?);
                let base = dir.join(stem(f));
                let mut args = vec![
                    "qpcr".to_string(),
                    s(f),
                    "--reference".into(),
                    o.reference.join(","),
                    "--control".into(),
                    o.control.clone(),
                    "--method".into(),
                    name(&o.method),
                    "--tubes".into(),
                    name(&o.tubes),
                    "--test".into(),
                    name(&o.test),
                    "--undetected".into(),
                    match o.undetected {
                        manifest::Undetected::Cq(c) => c.to_string(),
                        manifest::Undetected::Drop => "drop".into(),
                    },
                    "--max-spread".into(),
                    o.max_spread.to_string(),
                    "--cq-limit".into(),
                    o.cq_limit.to_string(),
                ];
                for (flag, v) in [("--efficiency", &o.efficiency), ("--groups", &o.groups)] {
                    if let Some(p) = v {
                        args.extend([flag.to_string(), s(&m.base_dir.join(p))]);
                    }
                }
                if let Some(g) = &o.group_annotation {
                    args.extend(["--group-annotation".into(), g.clone()]);
                }
                if let Some(sh) = &o.sheet {
                    args.extend(["--sheet".into(), sh.clone()]);
                }
                let csv = base.with_extension("csv");
                let mut with_fig = args.clone();
                with_fig.extend(["--figure".into(), s(&base.with_extension("svg"))]);
                // MIQE QC flags as a table, for the report's QC section
                let qc = dir.join(format!("{}_qc.csv", stem(f)));
                with_fig.extend(["--qc-out".into(), s(&qc)]);
                run_csv_json_split(&with_fig, &args, &csv)?;
                for r in read_rows(&csv)?.1 {
                    let label = format!("{} {}", get(&r, "gene"), get(&r, "group"));
                    results.push(group_result(
                        m,
                        e,
                        &r,
                        label,
                        &[("fold_change", "fold_change", "fold_lower", "fold_upper")],
                        None,
                    ));
                }
            }
        }
        ExperimentOptions::Cfu(o) => {
            for f in &e.files {
                observations.extend(tidy_observations(m, e, f, &rel(m, f))?);
                let base = dir.join(stem(f));
                let mut args = vec![
                    "cfu".to_string(),
                    s(f),
                    "--control".into(),
                    o.control.clone(),
                    "--test".into(),
                    name(&o.test),
                    "--per".into(),
                    o.per.to_string(),
                ];
                if let Some(sh) = &o.sheet {
                    args.extend(["--sheet".into(), sh.clone()]);
                }
                let csv = base.with_extension("csv");
                let mut with_fig = args.clone();
                with_fig.extend(["--figure".into(), s(&base.with_extension("svg"))]);
                run_csv_json_split(&with_fig, &args, &csv)?;
                for r in read_rows(&csv)?.1 {
                    let label = get(&r, "group");
                    results.push(group_result(
                        m,
                        e,
                        &r,
                        label,
                        &[
                            (
                                "percent_of_control",
                                "percent_of_control",
                                "ci_lower",
                                "ci_upper",
                            ),
                            ("p_value", "p_value", "", ""),
                        ],
                        Some("%".into()),
                    ));
                }
            }
        }
        ExperimentOptions::InVivo(table) => {
            let cmd = in_vivo_command(e.kind)?;
            let table = match serde_json::to_value(table) {
                Ok(Value::Object(t)) => t,
                _ => Map::new(),
            };
            let flags = flag_args(m, cmd, &table)?;
            if let Some(seed) = table.get("seed").and_then(|v| v.as_u64()) {
                seeds.insert("seed".to_string(), seed);
            }
            for f in &e.files {
                observations.extend(tidy_observations(m, e, f, &rel(m, f))?);
                let base = dir.join(stem(f));
                let mut args = vec![cmd.to_string(), s(f)];
                args.extend(flags.iter().cloned());
                let csv = base.with_extension("csv");
                let mut with_fig = args.clone();
                match cmd {
                    "xenograft" => with_fig.extend([
                        "--figure-growth".into(),
                        s(&dir.join(format!("{}_growth.svg", stem(f)))),
                        "--figure-waterfall".into(),
                        s(&dir.join(format!("{}_waterfall.svg", stem(f)))),
                    ]),
                    "survival" | "engraftment" => {
                        with_fig.extend(["--figure".into(), s(&base.with_extension("svg"))])
                    }
                    _ => {}
                }
                run_csv_json_split(&with_fig, &args, &csv)?;
                let (metrics, unit): (Vec<Metric>, Option<String>) = match cmd {
                    "xenograft" => (
                        vec![
                            ("T/C", "tc_percent", "", ""),
                            ("TGI", "tgi_percent", "", ""),
                            ("p_value", "p_value", "", ""),
                        ],
                        Some("%".into()),
                    ),
                    "survival" => (
                        vec![
                            ("median_survival", "median", "median_lower", "median_upper"),
                            (
                                "percent_increase_median",
                                "percent_increase_median",
                                "percent_increase_median_lower",
                                "percent_increase_median_upper",
                            ),
                            ("p_value", "logrank_p_vs_control", "", ""),
                        ],
                        None,
                    ),
                    "engraftment" => (vec![("burden", "mean", "", "")], Some("%".into())),
                    _ => (Vec::new(), None),
                };
                let rows = read_rows(&csv)?.1;
                // xenograft: the key numbers of the last day (the endpoint day)
                let last_day = rows
                    .iter()
                    .filter_map(|r| num(r, "day"))
                    .fold(f64::NEG_INFINITY, f64::max);
                for r in rows {
                    if cmd == "xenograft" && num(&r, "day") != Some(last_day) {
                        continue;
                    }
                    if cmd == "engraftment" && get(&r, "endpoint") != "burden" {
                        continue;
                    }
                    let mut label = get(&r, "group");
                    for k in ["tissue", "day"] {
                        let v = get(&r, k);
                        if !v.is_empty() {
                            label = format!("{label} {k} {v}");
                        }
                    }
                    results.push(group_result(m, e, &r, label, &metrics, unit.clone()));
                }
            }
        }
        ExperimentOptions::CrossResistance(o) => {
            for f in &e.files {
                observations.extend(tidy_observations(m, e, f, &rel(m, f))?);
                let base = dir.join(stem(f));
                let mut args = vec![
                    "resistance".to_string(),
                    s(f),
                    "--parental".into(),
                    o.parental.clone(),
                    "--potency".into(),
                    name(&o.potency),
                    "--cross".into(),
                    o.cross.to_string(),
                    "--collateral".into(),
                    o.collateral.to_string(),
                    "--dose-unit".into(),
                    o.dose_unit.clone(),
                    "--model".into(),
                    name(&o.model),
                    "--level".into(),
                    o.level.to_string(),
                    "--ci".into(),
                    name(&o.ci),
                    "--select".into(),
                    name(&o.select),
                    "--alpha".into(),
                    o.alpha.to_string(),
                ];
                if let Some(b) = &o.between {
                    args.extend(["--between".into(), b.clone()]);
                }
                if let Some(by) = &o.by {
                    args.extend(["--by".into(), by.join(",")]);
                }
                if !o.share.is_empty() {
                    args.extend(["--share".into(), o.share.join(",")]);
                }
                let long = dir.join(format!("{}_long.csv", stem(f)));
                let mut a = args.clone();
                a.extend([
                    "--long".into(),
                    s(&long),
                    "--figure".into(),
                    s(&base.with_extension("svg")),
                    "-o".into(),
                    s(&base.with_extension("csv")),
                ]);
                preclin(&a)?;
                for r in read_rows(&long)?.1 {
                    let label = format!("{} vs {}", get(&r, "line"), get(&r, "parental"));
                    results.push(result(
                        m,
                        &r,
                        Some(label),
                        &[
                            ("resistance_factor", "rf", "rf_lower", "rf_upper"),
                            ("p_value", "p_value", "", ""),
                        ],
                        None,
                    ));
                }
            }
        }
        ExperimentOptions::Flow(o) => {
            let control = o
                .control
                .as_ref()
                .map(|c| m.base_dir.join(c))
                .ok_or_else(|| anyhow!("a flow experiment needs `control`"))?;
            let mut args = vec!["markers".to_string()];
            args.extend(e.files.iter().map(|f| s(f)));
            args.extend([
                "--gating".into(),
                s(&m.base_dir.join(&o.gating)),
                "--control".into(),
                s(&control),
                "--markers".into(),
                o.markers.join(","),
                "--percentile".into(),
                o.percentile.to_string(),
                "--scale".into(),
                name(&o.scale),
                "--cofactor".into(),
                o.cofactor.to_string(),
                "--pdx-markers".into(),
                o.pdx_markers.join(","),
            ]);
            if let Some(v) = &o.vehicle {
                args.extend(["--vehicle".into(), s(&m.base_dir.join(v))]);
            }
            if let Some(g) = &o.gate {
                args.extend(["--gate".into(), g.clone()]);
            }
            let csv = dir.join("markers.csv");
            run_csv_json(&args, &csv)?;
            for r in read_rows(&csv)?.1 {
                let sample = get(&r, "sample");
                let compound = m
                    .compounds
                    .iter()
                    .filter(|c| {
                        std::iter::once(&c.name)
                            .chain(&c.aliases)
                            .any(|n| sample.to_lowercase().contains(&n.to_lowercase()))
                    })
                    .map(|c| c.name.clone())
                    .next();
                let label = format!("{sample} {}", get(&r, "marker"));
                let mut rec = record(
                    &r,
                    compound,
                    single_line(e),
                    Some(label),
                    &[
                        ("percent_positive", "percent_positive", "", ""),
                        ("delta_percent", "delta_percent", "", ""),
                    ],
                    Some("%".into()),
                );
                rec.flags.sort();
                results.push(rec);
            }
        }
    }
    let provenance = Provenance::for_experiment(m, e, seeds)?;
    Ok(RunImport {
        study: study.clone(),
        experiment: ExperimentRecord::from_experiment(e),
        provenance,
        observations,
        results,
    })
}

/// Runs the command writing CSV (`-o csv`) and JSON (`--format json -o json`).
fn run_csv_json(args: &[String], csv: &Path) -> anyhow::Result<()> {
    run_csv_json_split(args, args, csv)
}

/// Runs `csv_args -o csv`, then `json_args --format json -o json`.
fn run_csv_json_split(csv_args: &[String], json_args: &[String], csv: &Path) -> anyhow::Result<()> {
    let mut a = csv_args.to_vec();
    a.extend(["-o".into(), s(csv)]);
    preclin(&a)?;
    let mut b = json_args.to_vec();
    b.extend([
        "--format".into(),
        "json".into(),
        "-o".into(),
        s(&csv.with_extension("json")),
    ]);
    preclin(&b)
}

/// The free option table of an in vivo experiment as command-line flags;
/// keys must be long flags of `cmd` (unknown keys are named in the error).
fn flag_args(m: &Manifest, cmd: &str, table: &Map<String, Value>) -> anyhow::Result<Vec<String>> {
    let root = crate::Cli::command();
    let sub = root
        .find_subcommand(cmd)
        .ok_or_else(|| anyhow!("no command {cmd}"))?;
    let known: Vec<String> = sub
        .get_arguments()
        .filter_map(|a| a.get_long().map(String::from))
        .collect();
    let reserved = [
        "output",
        "format",
        "figure",
        "figure-growth",
        "figure-waterfall",
    ];
    let mut unknown = Vec::new();
    let mut args = Vec::new();
    for (k, v) in table {
        let flag = k.replace('_', "-");
        if !known.contains(&flag) || reserved.contains(&flag.as_str()) {
            unknown.push(k.clone());
            continue;
        }
        let scalar = |v: &Value| -> String {
            match v {
                Value::String(s) => {
                    let p = m.base_dir.join(s);
                    if !s.is_empty() && p.is_file() {
                        p.display().to_string()
                    } else {
                        s.clone()
                    }
                }
                other => other.to_string(),
            }
        };
        match v {
            Value::Bool(true) => args.push(format!("--{flag}")),
            Value::Bool(false) => {}
            Value::Array(a) => {
                let items: Vec<String> = a.iter().map(scalar).collect();
                args.extend([format!("--{flag}"), items.join(",")]);
            }
            other => args.extend([format!("--{flag}"), scalar(other)]),
        }
    }
    if !unknown.is_empty() {
        bail!(
            "unknown option(s) for `preclin {cmd}`: {} (options are the command's long flags, e.g. control, endpoint)",
            unknown.join(", ")
        );
    }
    Ok(args)
}

fn rel(m: &Manifest, f: &Path) -> String {
    let r = f.strip_prefix(&m.base_dir).unwrap_or(f);
    r.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

type Row = Map<String, Value>;

/// A key number of a result row: (metric, value column, CI lower column,
/// CI upper column); an empty column name means none.
type Metric = (&'static str, &'static str, &'static str, &'static str);

/// Reads a CSV (comment lines `#` skipped) as (1-based line, row) pairs.
fn read_rows(path: &Path) -> anyhow::Result<(Vec<u64>, Vec<Row>)> {
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let headers = rdr
        .headers()
        .with_context(|| format!("{}: no header", path.display()))?
        .clone();
    let (mut lines, mut rows) = (Vec::new(), Vec::new());
    for rec in rdr.records() {
        let rec = rec.with_context(|| format!("{}", path.display()))?;
        lines.push(rec.position().map(|p| p.line()).unwrap_or(0));
        let mut row = Map::new();
        for (h, v) in headers.iter().zip(rec.iter()) {
            row.insert(h.to_string(), Value::String(v.to_string()));
        }
        rows.push(row);
    }
    Ok((lines, rows))
}

fn get(r: &Row, k: &str) -> String {
    r.get(k)
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .trim()
        .to_string()
}

fn num(r: &Row, k: &str) -> Option<f64> {
    if k.is_empty() {
        return None;
    }
    get(r, k).parse::<f64>().ok().filter(|x| x.is_finite())
}

fn unit_of(r: &Row, k: &str) -> Option<String> {
    Some(get(r, k)).filter(|u| !u.is_empty())
}

const COMPOUND_COLS: [&str; 5] = ["compound", "drug", "drug1", "drug2", "drug_name"];
const LINE_COLS: [&str; 3] = ["cell_line", "cell line", "model"];

/// Every non-empty value of the compound / cell-line columns of a tidy
/// table must name a compound / cell line of the manifest.
fn check_names(
    m: &Manifest,
    path: &Path,
    compound_cols: &[&str],
    line_cols: &[&str],
) -> anyhow::Result<()> {
    let (lines, rows) = read_rows(path)?;
    for (line, r) in lines.iter().zip(&rows) {
        resolve_row(m, path, *line, r, compound_cols, line_cols)?;
    }
    Ok(())
}

/// The canonical (compound, cell line) of a row; an unknown name is an
/// error naming the file and line.
fn resolve_row(
    m: &Manifest,
    path: &Path,
    line: u64,
    r: &Row,
    compound_cols: &[&str],
    line_cols: &[&str],
) -> anyhow::Result<(Option<String>, Option<String>)> {
    let mut compound = None;
    for c in compound_cols {
        let v = get(r, c);
        if !v.is_empty() {
            let k = m
                .resolve_compound(&v, path, Some(line as usize))
                .map_err(|u| unknown(&u, c))?;
            compound.get_or_insert(k.name.clone());
        }
    }
    let mut cell = None;
    for c in line_cols {
        let v = get(r, c);
        if !v.is_empty() {
            let k = m
                .resolve_cell_line(&v, path, Some(line as usize))
                .map_err(|u| unknown(&u, c))?;
            cell.get_or_insert(k.name.clone());
        }
    }
    Ok((compound, cell))
}

fn unknown(u: &manifest::UnknownReference, column: &str) -> anyhow::Error {
    anyhow!(
        "{}:{}: {} \"{}\" (column {column}) is not declared in the study manifest",
        u.file.display(),
        u.line.map(|l| l.to_string()).unwrap_or_default(),
        u.what,
        u.name
    )
}

/// The compound of a treatment group: the group itself, or its first word
/// (split at `_`, space or `+`), when that names a compound of the study;
/// controls (vehicle, DMSO …) have none.
fn group_compound(m: &Manifest, group: &str) -> Option<String> {
    if let Some(c) = m.compound(group) {
        return Some(c.name.clone());
    }
    let first = group.split(['_', ' ', '+']).next().unwrap_or("");
    m.compound(first).map(|c| c.name.clone())
}

/// The single cell line / model of an experiment, if it names exactly one.
fn single_line(e: &Experiment) -> Option<String> {
    if e.cell_lines.len() == 1 {
        Some(e.cell_lines[0].clone())
    } else {
        None
    }
}

/// The rows of a tidy input table as observations, compound and cell line
/// resolved (explicit columns strictly, treatment groups loosely).
fn tidy_observations(
    m: &Manifest,
    e: &Experiment,
    path: &Path,
    file: &str,
) -> anyhow::Result<Vec<Observation>> {
    let ext = path
        .extension()
        .map(|x| x.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if ext != "csv" && ext != "tsv" && ext != "txt" {
        return Ok(Vec::new());
    }
    let (lines, rows) = read_rows(path)?;
    let mut out = Vec::with_capacity(rows.len());
    for (line, r) in lines.into_iter().zip(rows) {
        let (mut compound, mut cell) = resolve_row(m, path, line, &r, &COMPOUND_COLS, &LINE_COLS)?;
        if compound.is_none() {
            compound = group_compound(m, &get(&r, "group"));
        }
        if cell.is_none() {
            cell = single_line(e);
        }
        out.push(Observation {
            file: Some(file.to_string()),
            line: Some(line),
            compound,
            cell_line: cell,
            data: r,
        });
    }
    Ok(out)
}

/// A result row with explicit compound / cell-line columns.
fn result(
    m: &Manifest,
    r: &Row,
    label: Option<String>,
    metrics: &[Metric],
    unit: Option<String>,
) -> ResultRecord {
    let compound = m.compound(&get(r, "compound")).map(|c| c.name.clone());
    let cell_line = m.cell_line(&get(r, "cell_line")).map(|c| c.name.clone());
    record(r, compound, cell_line, label, metrics, unit)
}

/// A result row of a group-based engine (qpcr, cfu, in vivo).
fn group_result(
    m: &Manifest,
    e: &Experiment,
    r: &Row,
    label: String,
    metrics: &[Metric],
    unit: Option<String>,
) -> ResultRecord {
    let compound = group_compound(m, &get(r, "group"));
    record(r, compound, single_line(e), Some(label), metrics, unit)
}

fn record(
    r: &Row,
    compound: Option<String>,
    cell_line: Option<String>,
    label: Option<String>,
    metrics: &[Metric],
    unit: Option<String>,
) -> ResultRecord {
    let flags: Vec<String> = get(r, "flags")
        .split(';')
        .filter(|f| !f.is_empty())
        .map(String::from)
        .collect();
    let values = metrics
        .iter()
        .map(|(metric, v, lo, hi)| MetricValue {
            metric: metric.to_string(),
            value: num(r, v),
            ci_lower: num(r, lo),
            ci_upper: num(r, hi),
            unit: if metric.starts_with("p_") {
                None
            } else {
                unit.clone()
            },
        })
        .collect();
    ResultRecord {
        compound,
        cell_line,
        label,
        flags,
        values,
        data: Value::Object(r.clone()),
    }
}
