//! Assembles the demo's HTML report and figures from the analysis results.

use std::path::Path;

use anyhow::Context;
use preclin_curve::{FitOptions, ModelChoice};
use preclin_invitro::viability::{Readout, assemble_curves, fit_curves};
use preclin_report::adapt::dose_response_series;
use preclin_report::{DoseResponseFigure, Figure, Provenance, Report, Section, Table};

use super::example;
use crate::format::fmt_f64;
use crate::viability::{ViabilityArgs, ViabilityRun};

fn sig(v: Option<f64>, d: usize) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| fmt_f64(x, Some(d)))
        .unwrap_or_default()
}

/// Builds report.html (returned) and writes figures/*.svg and
/// truth_check.csv into `out`.
pub fn build(
    example_dir: &Path,
    out: &Path,
    runs: &[(&str, ViabilityArgs, ViabilityRun)],
    extra: Vec<Section>,
) -> anyhow::Result<String> {
    let fig_dir = out.join("figures");
    std::fs::create_dir_all(&fig_dir)
        .with_context(|| format!("{}: cannot create", fig_dir.display()))?;
    let mut sections = Vec::new();
    let mut inputs = Vec::new();
    let mut truth_rows = Vec::new();
    let mut truth_csv = String::from(
        "compound,cell_line,assay,truth_ec50_nM,estimate_ec50_nM,lower,upper,ratio,covered\n",
    );

    // 1. Potency across experiments, with the truth beside it.
    let mut potency_rows = Vec::new();
    for (assay, _, run) in runs {
        for p in &run.potency {
            let (t_ec50, _, _) = example::truth(&p.compound, &p.cell_line);
            let est = p.ec50.geo_mean;
            let top = example::ASSAYS
                .iter()
                .flat_map(|a| a.2)
                .find(|c| c.0 == p.compound)
                .map_or(f64::INFINITY, |c| c.1);
            let in_range = t_ec50 <= top;
            let ratio = est.map(|e| e / t_ec50);
            let covered = match (p.ec50.geo_lower, p.ec50.geo_upper) {
                (Some(l), Some(u)) => (l <= t_ec50 && t_ec50 <= u).to_string(),
                _ => String::new(),
            };
            potency_rows.push(vec![
                p.compound.clone(),
                p.cell_line.clone(),
                assay.to_string(),
                format!("{}/{}", p.ec50.n, p.ec50.n_total),
                sig(est, 4),
                format!(
                    "{} – {}",
                    sig(p.ec50.geo_lower, 3),
                    sig(p.ec50.geo_upper, 3)
                ),
                match (p.ec50.p_mean, p.ec50.p_sem) {
                    (Some(m), Some(s)) => {
                        format!("{} ± {}", fmt_f64(m, Some(3)), fmt_f64(s, Some(2)))
                    }
                    _ => String::new(),
                },
                sig(p.ic50.geo_mean, 4),
                if in_range {
                    fmt_f64(t_ec50, Some(4))
                } else {
                    format!("{} (> top dose)", fmt_f64(t_ec50, Some(4)))
                },
                p.flags.replace(';', " "),
            ]);
            truth_csv.push_str(&format!(
                "{},{},{},{},{},{},{},{},{}\n",
                p.compound,
                p.cell_line,
                assay,
                t_ec50,
                sig(est, 6),
                sig(p.ec50.geo_lower, 6),
                sig(p.ec50.geo_upper, 6),
                sig(ratio, 4),
                covered
            ));
            if in_range {
                truth_rows.push((p.compound.clone(), p.cell_line.clone(), t_ec50, est));
            }
        }
    }
    std::fs::write(out.join("truth_check.csv"), &truth_csv)?;
    let within = truth_rows
        .iter()
        .filter(|(_, _, t, e)| e.is_some_and(|e| (e / t).log10().abs() < 0.1))
        .count();
    sections.push(Section {
        heading: "Potency across experiments".into(),
        paragraphs: vec![
            "Each experiment (independent plate, its own vehicle wells) was fitted separately with a four-parameter log-logistic model (drc LL.4); the table gives the geometric mean of the three relative EC50s with its 95 % confidence interval (t on log10, 2 df), the mean pEC50 (−log10 M) ± SEM, and the geometric mean absolute IC50 (where viability crosses 50 % of vehicle).".into(),
            format!(
                "The example was generated from known curves (examples/demo/truth.csv). Of the {} compound × cell-line pairs whose true EC50 lies inside the tested range, {} are estimated within a factor of 1.26 (0.1 log10) of the truth.",
                truth_rows.len(),
                within
            ),
        ],
        tables: vec![Table {
            caption: "Relative EC50 (nM) by compound and cell line".into(),
            headers: [
                "compound", "cell line", "assay", "experiments", "EC50 (nM)", "95% CI", "pEC50 ± SEM",
                "abs. IC50 (nM)", "truth EC50 (nM)", "flags (experiments)",
            ]
            .map(String::from)
            .to_vec(),
            rows: potency_rows,
            notes: vec![
                "Hill slopes follow drc's sign convention: positive for a falling curve (Prism's HillSlope = −hill).".into(),
                "Flags count the experiments whose fit carries them: extrapolated_high = the EC50 lies above the top dose (an extrapolation, not a measurement); never_reached = viability never falls to 50 % of vehicle, so no absolute IC50.".into(),
            ],
        }],
        figures: Vec::new(),
    });

    // 2. Selectivity.
    let mut sel_rows = Vec::new();
    for (_, _, run) in runs {
        for s in &run.selectivity {
            sel_rows.push(vec![
                s.compound.clone(),
                s.target.clone(),
                sig(s.ic50_target, 4),
                sig(s.cc50_normal, 4),
                match (s.si, s.si_lower_bound) {
                    (Some(v), _) => fmt_f64(v, Some(3)),
                    (None, Some(lb)) => format!("> {}", fmt_f64(lb, Some(3))),
                    _ => String::new(),
                },
            ]);
        }
    }
    sections.push(Section {
        heading: "Selectivity over HEK293".into(),
        paragraphs: vec!["Selectivity index SI = CC50 (HEK293) / IC50 (leukemia line), both absolute IC50s (50 % of vehicle viability), geometric means over experiments. When HEK293 viability never falls to 50 % within the tested range, the SI is reported as greater than top dose / IC50.".into()],
        tables: vec![Table {
            caption: "Selectivity indices".into(),
            headers: ["compound", "target line", "IC50 target (nM)", "CC50 HEK293 (nM)", "SI"]
                .map(String::from)
                .to_vec(),
            rows: sel_rows,
            notes: Vec::new(),
        }],
        figures: Vec::new(),
    });

    // 3. Figures: pooled fit per compound × line (display only).
    let mut figures = Vec::new();
    for (assay, args, run) in runs {
        let pooled = assemble_curves(&run.normalized.wells, Readout::Viability, &[]);
        let fits = fit_curves(
            &run.normalized.wells,
            pooled,
            &ModelChoice::Fixed(FitOptions::default()),
            &run.summary_options,
            &[],
        );
        let (_, read, compounds) = example::ASSAYS
            .iter()
            .find(|a| a.0 == *assay)
            .copied()
            .expect("known assay");
        for (compound, _) in compounds {
            let series: Vec<_> = fits
                .iter()
                .filter(|r| r.curve.compound == compound)
                .map(|r| {
                    let marker = r
                        .summary
                        .ec50
                        .map(|x| (x, format!("IC50 {} nM", fmt_f64(x, Some(3)))));
                    dose_response_series(
                        &r.curve.cell_line,
                        &r.curve.dose,
                        &r.curve.response,
                        r.fit.as_ref(),
                        run.summary_options.level,
                        marker,
                    )
                })
                .collect();
            let fig = DoseResponseFigure {
                title: format!("{compound} ({read})"),
                x_label: format!("{compound} (nM)"),
                y_label: "Viability (% of vehicle)".into(),
                series,
                ..Default::default()
            };
            let svg = fig.to_svg();
            let name = format!("{assay}_{compound}.svg");
            std::fs::write(fig_dir.join(&name), &svg)?;
            figures.push(Figure {
                caption: format!(
                    "{compound}, {read}: mean ± SD of all wells per dose over three experiments, the LL.4 fit to the pooled wells with its 95 % pointwise confidence band, and its relative IC50. Potencies in the tables come from separate fits per experiment. File: figures/{name}"
                ),
                svg,
            });
        }
        let _ = args;
    }
    sections.push(Section {
        heading: "Dose–response curves".into(),
        paragraphs: Vec::new(),
        tables: Vec::new(),
        figures,
    });

    // 3b. Combination: MI-503 × quizartinib.
    sections.push(combination_section(example_dir, out, &fig_dir)?);

    // 3c. Mechanism: HOXA9 / MEIS1 expression and colony formation.
    sections.push(qpcr_section(example_dir, out, &fig_dir)?);
    sections.push(cfu_section(example_dir, out, &fig_dir)?);

    // 4. NCI-60 and GR metrics (72 h, time zero).
    let mut nci_rows = Vec::new();
    for (assay, _, run) in runs {
        for r in run
            .results
            .iter()
            .filter(|r| r.nci.is_some() || r.gr.is_some())
        {
            let cens = |c: Option<preclin_curve::nci::CensoredDose>| {
                c.map(|c| {
                    let (x, q) = c.parts();
                    format!("{q}{}", fmt_f64(x, Some(3)))
                })
                .unwrap_or_default()
            };
            nci_rows.push(vec![
                r.curve.compound.clone(),
                r.curve.cell_line.clone(),
                r.curve.group.get("experiment").cloned().unwrap_or_default(),
                assay.to_string(),
                cens(r.nci.map(|m| m.gi50)),
                cens(r.nci.map(|m| m.tgi)),
                cens(r.nci.map(|m| m.lc50)),
                r.gr.as_ref()
                    .map(|g| match g.gr50 {
                        preclin_curve::gr::Bounded::Value(v) => fmt_f64(v, Some(3)),
                        other => other.to_string(),
                    })
                    .unwrap_or_default(),
                r.gr.as_ref()
                    .map(|g| fmt_f64(g.gr_max, Some(3)))
                    .unwrap_or_default(),
                r.gr.as_ref()
                    .map(|g| fmt_f64(g.gr_aoc, Some(3)))
                    .unwrap_or_default(),
            ]);
        }
    }
    if !nci_rows.is_empty() {
        sections.push(Section {
            heading: "Growth metrics with a time-zero plate (NCI-60, GR)".into(),
            paragraphs: vec!["Percent growth 100·(Ti − Tz)/(C − Tz) (Ti ≥ Tz) or 100·(Ti − Tz)/Tz (Ti < Tz), with Tz the time-zero plate of the same cell line and experiment (Monks et al. 1991). GI50, TGI and LC50 are interpolated on log dose between tested doses, as the NCI does; '>' means not reached at the top dose. GR values and GR50 / GRmax / GR_AOC as Hafner et al. 2016 (GRmetrics conventions).".into()],
            tables: vec![Table {
                caption: "GI50, TGI, LC50 (nM) and GR metrics per experiment".into(),
                headers: ["compound", "cell line", "experiment", "assay", "GI50", "TGI", "LC50", "GR50", "GRmax", "GR_AOC"]
                    .map(String::from)
                    .to_vec(),
                rows: nci_rows,
                notes: Vec::new(),
            }],
            figures: Vec::new(),
        });
    }

    // 5. Per-experiment fits.
    let mut fit_rows = Vec::new();
    for (assay, _, run) in runs {
        for r in &run.results {
            let s = &r.summary;
            fit_rows.push(vec![
                r.curve.compound.clone(),
                r.curve.cell_line.clone(),
                r.curve.group.get("experiment").cloned().unwrap_or_default(),
                assay.to_string(),
                s.n.to_string(),
                sig(s.ec50, 4),
                format!("{} – {}", sig(s.ec50_lower, 3), sig(s.ec50_upper, 3)),
                sig(s.ic50, 4),
                sig(s.hill, 3),
                sig(s.top, 3),
                sig(s.bottom, 3),
                sig(s.r2, 3),
                s.flags.to_string(),
            ]);
        }
    }
    sections.push(Section {
        heading: "Fits per experiment".into(),
        paragraphs: vec!["Every curve: its wells on one plate (three wells per dose) plus that plate's vehicle wells at dose 0. Flags mark what a number cannot be trusted for (e.g. extrapolated_high: the EC50 lies above the top dose; never_reached: viability never falls to 50 %).".into()],
        tables: vec![Table {
            caption: "LL.4 fits (doses in nM)".into(),
            headers: ["compound", "cell line", "experiment", "assay", "n", "EC50", "95% CI", "abs. IC50", "hill", "top", "bottom", "R²", "flags"]
                .map(String::from)
                .to_vec(),
            rows: fit_rows,
            notes: Vec::new(),
        }],
        figures: Vec::new(),
    });

    // 6. Plate QC.
    let mut qc_rows = Vec::new();
    for (_, _, run) in runs {
        for q in &run.qc {
            qc_rows.push(vec![
                q.plate.clone(),
                sig(q.z_prime, 3),
                sig(q.cv_vehicle_pct, 3),
                sig(q.cv_blank_pct, 3),
                sig(q.edge_ratio, 3),
                q.n_outliers.to_string(),
                q.outlier_wells
                    .iter()
                    .map(|w| w.to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
                if q.pass { "pass" } else { "FAIL" }.into(),
            ]);
        }
    }
    sections.push(Section {
        heading: "Plate quality control".into(),
        paragraphs: vec!["Z′ = 1 − 3(σ_vehicle + σ_min)/|μ_vehicle − μ_min| (Zhang et al. 1999) with the positive-control wells as the minimum signal; CVs of vehicle and blank wells; edge ratio = outer-ring vs inner vehicle wells; outlier wells by robust z > 3.5 within replicate groups (flagged, never dropped). Plates pass with Z′ ≥ 0.5.".into()],
        tables: vec![Table {
            caption: "Plate QC".into(),
            headers: ["plate", "Z′", "CV vehicle %", "CV blank %", "edge ratio", "outliers", "outlier wells", "QC"]
                .map(String::from)
                .to_vec(),
            rows: qc_rows,
            notes: Vec::new(),
        }],
        figures: Vec::new(),
    });

    sections.extend(extra);

    sections.extend(super::flow_report::sections(example_dir, out, &fig_dir)?);
    sections.extend(super::invivo_report::sections(example_dir, out, &fig_dir)?);
    sections.push(super::invivo_synergy_report::section(example_dir, out)?);
    for (_, _, run) in runs {
        for (p, h) in &run.provenance.inputs {
            let rel = Path::new(p)
                .strip_prefix(example_dir)
                .map(|r| format!("study/data/{}", r.display()))
                .unwrap_or_else(|_| p.clone());
            inputs.push((rel, h.clone()));
        }
    }
    let mut options = runs
        .first()
        .map(|r| r.2.provenance.options.clone())
        .unwrap_or_default();
    options.push(("assays".into(), "day7, 72h".into()));
    let report = Report {
        title: "preclin demo validation: estimates against the simulation truth".into(),
        subtitle: "Menin inhibitors, FLT3 and BCL-2 inhibitors in MLL-rearranged leukemia lines vs HEK293 (simulated example data)".into(),
        description: vec![
            "Raw MTT absorbances (96-well plates, three independent experiments) for MI-503 and revumenib after 7 days — menin inhibitors act slowly — and gilteritinib and venetoclax after 72 h with time-zero plates, in MV4-11, MOLM-13, KOPN-8, SEM and HEK293. The data are simulated from known curves with realistic reader noise (study/data/README.md); the truth is shown beside every estimate. The study report of the same files, as `preclin analyze` writes it for any study, is report.html beside this file.".into(),
            "Processing: blank subtraction, percent of the plate's vehicle (DMSO) wells, plate QC, a four-parameter log-logistic fit per compound × cell line × experiment (Levenberg–Marquardt, drc parameterisation), delta-method 95 % intervals on log EC50, and summaries across experiments on the log scale.".into(),
        ],
        sections,
        provenance: Provenance {
            tool_version: crate::provenance::VERSION.to_string(),
            command: "preclin demo".into(),
            inputs,
            options,
            seeds: vec![("example data generator".into(), example::SEED)],
            generated_at: None,
        },
    };
    Ok(report.render())
}

/// The cross-resistance section: the resistance factors of the bundled
/// resistance example (MV4-11 MEN1 WT vs M327I / T349M) with the truth
/// beside them, and the heatmap (also written to
/// `figures/cross_resistance.svg`).
pub fn resistance_section(
    a: &crate::resistance::Analysis,
    truth: &[(String, String, f64)],
    out: &Path,
) -> anyhow::Result<Section> {
    let fig = crate::resistance::heatmap(a);
    let svg = fig.to_svg();
    let path = out.join("figures").join("cross_resistance.svg");
    std::fs::create_dir_all(out.join("figures"))
        .with_context(|| format!("{}: cannot create", out.display()))?;
    std::fs::write(&path, &svg).with_context(|| format!("{}: cannot write", path.display()))?;
    let mut rows = Vec::new();
    for (p, f) in a.pairs.pairs.iter().zip(&a.factors) {
        let drug = p.group.first().cloned().unwrap_or_default();
        let t = truth
            .iter()
            .find(|(c, v, _)| *c == drug && *v == p.level)
            .map(|x| x.2);
        let f = f.as_ref();
        rows.push(vec![
            drug,
            p.level.clone(),
            sig(t, 3),
            sig(f.and_then(|f| f.rf), 3),
            format!(
                "{} – {}",
                sig(f.and_then(|f| f.lower), 3),
                sig(f.and_then(|f| f.upper), 3)
            ),
            f.and_then(|f| f.p_value)
                .map(|p| {
                    format!(
                        "{} {}",
                        fmt_f64(p, Some(2)),
                        preclin_curve::resistance::stars(Some(p))
                    )
                })
                .unwrap_or_default(),
            f.map(|f| f.class.name().replace('_', " "))
                .unwrap_or_default(),
        ]);
    }
    Ok(Section {
        heading: "Cross-resistance (MEN1 mutants)".into(),
        paragraphs: vec![
            "A second, smaller simulated data set (examples/resistance): MV4-11 parental (MEN1 WT) and two MEN1 binding-site mutants, M327I and T349M, each treated with five drugs (% viability, triplicate wells, nine doses). For every drug the parental and the mutant curve are fitted jointly (LL.4, one residual variance) and the resistance factor RF = EC50(mutant) / EC50(WT) is given with its 95 % interval (delta method on ln RF) and the extra-sum-of-squares F test of one EC50 for both lines (preclin resistance).".into(),
            "Classes: cross-resistance = RF > 2 with the interval above 1; collateral sensitivity = RF < 0.5 with the interval below 1; unchanged = the whole interval within 0.5–2; otherwise inconclusive.".into(),
        ],
        tables: vec![Table {
            caption: "Resistance factors (truth = the factor the data were simulated with)".into(),
            headers: ["drug", "MEN1 variant", "true RF", "RF", "95% CI", "p (F test)", "class"]
                .map(String::from)
                .to_vec(),
            rows,
            notes: Vec::new(),
        }],
        figures: vec![Figure {
            caption: "Cross-resistance heatmap: log2 RF (red = resistant, blue = sensitised), the RF and its significance stars in each cell.".into(),
            svg,
        }],
    })
}

/// The combination section: MI-503 × quizartinib in MV4-11 and MOLM-13
/// (examples/demo/combination.csv), scored by `preclin synergy`'s library
/// calls, with heatmaps, an isobologram and the truth beside the estimates.
fn combination_section(example_dir: &Path, out: &Path, fig_dir: &Path) -> anyhow::Result<Section> {
    use preclin_report::adapt::{isobologram, response_heatmap, synergy_heatmap};
    use preclin_synergy::chou_talalay::chou_talalay;
    use preclin_synergy::{BlockOptions, Method, score_block};

    let input = example_dir.join("combination.csv");
    let table = crate::synergy_input::read_synergy_table(
        &input,
        crate::synergy_input::ResponseKind::Viability,
    )?;
    let opts = BlockOptions::default();
    let [(d1, _), (d2, _)] = example::COMBINATION_DRUGS;
    let mut rows = Vec::new();
    let mut figures = Vec::new();
    let mut csv = String::from(
        "block_id,cell_line,method,score,lower,upper,p_value,truth_excess_over_bliss\n",
    );
    for (bi, b) in table.blocks.iter().enumerate() {
        let line = example::COMBINATION_LINES[bi];
        let truth = example::combination_truth(line);
        let t = &truth;
        let lv1 = b.levels[0].clone();
        let lv2 = b.levels[1].clone();
        let mut excess = 0.0;
        for &a in &lv1[1..] {
            for &c in &lv2[1..] {
                excess += t.excess(a, c);
            }
        }
        excess /= ((lv1.len() - 1) * (lv2.len() - 1)) as f64;
        let r = score_block(b, &opts);
        for m in Method::ALL {
            let mr = r.method(m).expect("all methods");
            let (lo, hi) = mr.ci.unzip();
            rows.push(vec![
                line.to_string(),
                m.name()
                    .to_uppercase()
                    .replace("BLISS", "Bliss")
                    .replace("LOEWE", "Loewe"),
                sig(mr.summary.mean, 3),
                format!("{} – {}", sig(lo, 3), sig(hi, 3)),
                sig(mr.summary.p_value, 2),
                if m == Method::Bliss {
                    fmt_f64(excess, Some(3))
                } else {
                    String::new()
                },
            ]);
            csv.push_str(&format!(
                "{},{line},{},{},{},{},{},{}\n",
                b.id,
                m.name(),
                sig(mr.summary.mean, 6),
                sig(lo, 6),
                sig(hi, 6),
                sig(mr.summary.p_value, 4),
                fmt_f64(excess, Some(6))
            ));
        }
        let units = ["nM", "nM"];
        let resp = response_heatmap(
            &r.surface,
            [d1, d2],
            units,
            &format!("{line}: {d1} × {d2}, mean inhibition (%)"),
        );
        let bl = r.method(Method::Bliss).expect("bliss");
        let syn: Vec<Option<f64>> = bl.cells.iter().map(|c| c.synergy).collect();
        let bliss_fig = synergy_heatmap(
            &r.surface,
            &syn,
            [d1, d2],
            units,
            &format!("{line}: Bliss synergy (bootstrap mean)"),
            "Bliss synergy (%)",
        );
        let z = r.method(Method::Zip).expect("zip");
        let zsyn: Vec<Option<f64>> = z.cells.iter().map(|c| c.synergy).collect();
        let zip_fig = synergy_heatmap(
            &r.surface,
            &zsyn,
            [d1, d2],
            units,
            &format!("{line}: ZIP synergy (bootstrap mean)"),
            "ZIP δ (%)",
        );
        let iso = isobologram(
            &chou_talalay(&r.surface),
            [d1, d2],
            units,
            &format!("{line}: normalised isobologram"),
        );
        for (tag, svg, caption) in [
            (
                "response",
                resp.to_svg(),
                format!(
                    "{line}: mean % inhibition (100 − viability, three wells per cell) on the 8 × 8 dose matrix; MI-503 on the rows, quizartinib on the columns."
                ),
            ),
            (
                "bliss",
                bliss_fig.to_svg(),
                format!(
                    "{line}: Bliss synergy per cell (observed − expected, % inhibition; bootstrap mean over {} iterations, seed {}). Red = more inhibition than independent action predicts.",
                    r.iterations, r.seed
                ),
            ),
            (
                "zip",
                zip_fig.to_svg(),
                format!("{line}: ZIP δ per cell (SynergyFinder's zero-interaction-potency model)."),
            ),
            (
                "isobologram",
                iso.to_svg(),
                format!(
                    "{line}: normalised isobologram (Chou–Talalay): each combination at (d₁/Dx₁, d₂/Dx₂); below the dashed line CI < 1 (synergism)."
                ),
            ),
        ] {
            let name = format!("combination_{line}_{tag}.svg");
            std::fs::write(fig_dir.join(&name), &svg)?;
            figures.push(Figure {
                caption: format!("{caption} File: figures/{name}"),
                svg,
            });
        }
    }
    std::fs::write(out.join("combination_scores.csv"), &csv)?;
    Ok(Section {
        heading: "Combination: MI-503 × quizartinib".into(),
        paragraphs: vec![
            "MI-503 (menin inhibitor) with quizartinib (FLT3 inhibitor) in MV4-11 and MOLM-13 (FLT3-ITD, MLL-AF4 / MLL-AF9), an 8 × 8 dose matrix (0 and seven 3-fold doses each) in triplicate wells, % viability read as 100 − v % inhibition. Scores are those of `preclin synergy` (SynergyFinder's Bliss, HSA, Loewe and ZIP; block score = mean over the 49 combination cells; replicates by parametric bootstrap, 100 iterations, seed 123).".into(),
            "The data were simulated from known curves (examples/demo/combination_truth.csv): each drug alone as a log-logistic curve, combined by Bliss independence after quizartinib raises MI-503's potency (EC50 divided by up to 5 in MV4-11 and 3 in MOLM-13). The last column gives the true mean excess over Bliss independence over the combination cells, which the Bliss score estimates.".into(),
        ],
        tables: vec![Table {
            caption: "Block synergy scores (% inhibition) with 95 % bootstrap intervals".into(),
            headers: ["cell line", "model", "score", "95% CI", "p", "truth (excess over Bliss)"]
                .map(String::from)
                .to_vec(),
            rows,
            notes: vec!["Positive = synergy. p = SynergyFinder's exp(−0.717z − 0.416z²), z = |mean|/sd over the cell means. Truth-vs-estimate is exact only for Bliss; HSA, Loewe and ZIP use other reference models.".into()],
        }],
        figures,
    })
}

/// How close (in cycles) the estimated ΔΔCt of the qRT-PCR example must be
/// to the truth: about three standard errors of a ΔΔCt from three
/// biological replicates per group (SE ≈ 0.23 cycles with the example's
/// noise), i.e. a fold change within a factor 2^0.7 ≈ 1.6 of the truth.
pub const QPCR_TOLERANCE_CYCLES: f64 = 0.7;

/// `lo – hi`, or empty when neither exists.
fn range(lo: Option<f64>, hi: Option<f64>, d: usize) -> String {
    if lo.is_none() && hi.is_none() {
        String::new()
    } else {
        format!("{} – {}", sig(lo, d), sig(hi, d))
    }
}

/// A p-value with Holm's adjustment beside it.
fn p_holm(p: Option<f64>, adj: Option<f64>) -> String {
    match (p, adj) {
        (Some(p), Some(a)) => format!("{} (Holm {})", fmt_f64(p, Some(2)), fmt_f64(a, Some(2))),
        (Some(p), None) => fmt_f64(p, Some(2)),
        _ => String::new(),
    }
}

/// The qRT-PCR section: HOXA9 / MEIS1 in MV4-11 after 6 days of MI-503
/// (examples/demo/qpcr.csv), analysed with `preclin qpcr`'s library calls
/// (Livak ΔΔCt against ACTB + GAPDH, separate tubes, Welch t on ΔCt), the
/// truth beside the estimates, the fold-change figure
/// (`figures/qpcr_fold_change.svg`) and `qpcr_fold_changes.csv` /
/// `qpcr_samples.csv` in `out`.
pub fn qpcr_section(example_dir: &Path, out: &Path, fig_dir: &Path) -> anyhow::Result<Section> {
    use preclin_invitro::qpcr::qc::{QcOptions, Severity, qc};
    use preclin_invitro::qpcr::tidy::{ReadOptions, read_cq_file};
    use preclin_invitro::qpcr::{DdctOptions, relative_expression};
    use preclin_report::adapt::fold_change_figure;
    use preclin_report::figures::fold_change::ErrorBars;

    let input = example_dir.join("qpcr.csv");
    let set = read_cq_file(&input, &ReadOptions::default())?;
    let refs: Vec<&str> = example::QPCR_GENES
        .iter()
        .filter(|g| g.reference)
        .map(|g| g.gene)
        .collect();
    let control = example::MECHANISM_GROUPS[0].0;
    let opts = DdctOptions::new(&refs, control);
    let result = relative_expression(&set, &opts)?;

    let mut tab = crate::qpcr::relative_table(&result);
    tab.header
        .extend(["truth_delta_delta_ct", "truth_fold_change"].map(String::from));
    let mut rows = Vec::new();
    let (mut treated, mut close, mut covered) = (0, 0, 0);
    for (r, cells) in result.rows.iter().zip(&mut tab.rows) {
        let truth = example::qpcr_truth_fold(&r.gene, &r.group);
        let t_ddct = -truth.log2() + 0.0;
        cells.push(crate::table_out::n(Some(t_ddct)));
        cells.push(crate::table_out::n(Some(truth)));
        if !r.is_control {
            treated += 1;
            if r.delta_delta_ct
                .is_some_and(|d| (d - t_ddct).abs() <= QPCR_TOLERANCE_CYCLES)
            {
                close += 1;
            }
            if let (Some(l), Some(u)) = (r.ci_lower, r.ci_upper) {
                if l <= truth && truth <= u {
                    covered += 1;
                }
            }
        }
        rows.push(vec![
            r.gene.clone(),
            r.group.clone(),
            r.n.to_string(),
            sig(r.delta_delta_ct.map(|d| d + 0.0), 3),
            sig(r.fold_change, 3),
            if r.is_control {
                String::new()
            } else {
                sig(r.fold_change.map(|f| 100.0 * (1.0 - f)), 3)
            },
            range(r.fold_lower, r.fold_upper, 3),
            range(r.ci_lower, r.ci_upper, 3),
            p_holm(r.p_value, r.p_adjusted),
            format!(
                "{} (ΔΔCt {})",
                fmt_f64(truth, Some(3)),
                fmt_f64(t_ddct, Some(3))
            ),
            r.flags.join(" "),
        ]);
    }
    crate::table_out::write_side(&out.join("qpcr_fold_changes.csv"), &tab, Some(6))?;
    crate::table_out::write_side(
        &out.join("qpcr_samples.csv"),
        &crate::qpcr::sample_table(&result),
        Some(6),
    )?;

    // MIQE-minded QC: reference stability and any warnings, as notes.
    let flags = qc(&set, &opts.reference, &QcOptions::default());
    let mut notes = vec![
        "ΔΔCt = ΔCt(group) − ΔCt(DMSO), ΔCt = Ct(target) − mean Ct(ACTB, GAPDH) per sample (technical replicates averaged first); fold change = 2^−ΔΔCt; decrease = 100·(1 − fold). ±SD band = R pcr's 2^−(ΔΔCt ± s), s = √(sd²target + sd²reference) over the group's samples (separate tubes) — it is ±1 SD, not a confidence interval. 95 % CI and p: Welch t test on the samples' ΔCt against DMSO; Holm over a gene's two doses.".into(),
    ];
    let warnings = flags
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    for f in flags.iter().filter(|f| f.code == "reference_stability") {
        notes.push(format!("Reference genes: {}", f.message));
    }
    notes.push(if warnings == 0 {
        "QC (MIQE-minded, preclin qpcr): no warnings (no late Cq, no technical replicates more than 0.5 cycles apart).".into()
    } else {
        format!(
            "QC (MIQE-minded, preclin qpcr): {warnings} warning(s): {}.",
            flags
                .iter()
                .filter(|f| f.severity == Severity::Warning)
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        )
    });

    let fig = fold_change_figure(
        &result,
        "MV4-11, 6 days MI-503: HOXA9 and MEIS1 vs DMSO",
        true,
        ErrorBars::Sd,
    );
    let svg = fig.to_svg();
    let name = "qpcr_fold_change.svg";
    std::fs::write(fig_dir.join(name), &svg)
        .with_context(|| format!("{}: cannot write", fig_dir.join(name).display()))?;
    let (n_bio, n_tech) = example::QPCR_REPLICATES;
    Ok(Section {
        heading: "Gene expression (qRT-PCR)".into(),
        paragraphs: vec![
            format!(
                "HOXA9 and MEIS1 mRNA in MV4-11 treated for 6 days with DMSO or MI-503 (250 nM, 1 µM): {n_bio} biological replicates per group, {n_tech} technical replicates per gene, ACTB and GAPDH as reference genes (examples/demo/qpcr.csv, a tidy sample, group, gene, ct, replicate table). Analysed as `preclin qpcr qpcr.csv --reference ACTB,GAPDH --control DMSO` does: comparative Ct (Livak & Schmittgen 2001) with R pcr's error propagation; results in qpcr_fold_changes.csv (with the truth) and per-sample ΔCt in qpcr_samples.csv."
            ),
            format!(
                "The data were simulated from known fold changes (examples/demo/qpcr_truth.csv; illustrative, in line with the > 80 % HOXA9 / MEIS1 decrease reported for menin inhibitors) with sample input variation (0.35 cycles, cancels in ΔCt), biological variation (0.25 cycles for the targets, 0.1 for the references) and technical noise (0.15 cycles). Of the {treated} treated gene × dose estimates, {close} lie within {QPCR_TOLERANCE_CYCLES} cycles of the true ΔΔCt (about three standard errors) and {covered} have a 95 % CI that covers the true fold change."
            ),
        ],
        tables: vec![Table {
            caption: "Fold change vs DMSO (2^−ΔΔCt) with the truth the data were simulated from"
                .into(),
            headers: [
                "gene",
                "group",
                "n",
                "ΔΔCt",
                "fold change",
                "decrease (%)",
                "±SD band (pcr)",
                "95% CI",
                "p (Welch)",
                "truth: fold (ΔΔCt)",
                "flags",
            ]
            .map(String::from)
            .to_vec(),
            rows,
            notes,
        }],
        figures: vec![Figure {
            caption: format!(
                "Fold change of HOXA9 and MEIS1 against DMSO on a log2 axis: bars 2^−ΔΔCt with pcr's ±SD band (not a CI), dots the individual samples, stars the Welch p-values. File: figures/{name}"
            ),
            svg,
        }],
    })
}

/// The colony-forming section: MLL-AF9 cells in methylcellulose with DMSO
/// or MI-503 (examples/demo/cfu.csv), analysed with `preclin cfu`'s
/// library calls (Welch t on sample means and a quasi-Poisson model of the
/// counts), the truth beside the estimates, the bar chart
/// (`figures/cfu_colonies.svg`) and `cfu_results.csv` in `out`.
pub fn cfu_section(example_dir: &Path, out: &Path, fig_dir: &Path) -> anyhow::Result<Section> {
    use preclin_invitro::colony::{ColonyOptions, ColonyTest, analyse, read_dishes};
    use preclin_report::adapt::cfu_figure;

    let input = example_dir.join("cfu.csv");
    let table = preclin_invitro::table::Table::read(&input)?;
    let dishes = read_dishes(&table)?;
    let control = example::MECHANISM_GROUPS[0].0;
    let mut opts = ColonyOptions::new(control);
    opts.per_log10 = 3;
    let welch = analyse(&dishes, &table.source, &opts)?;
    opts.test = ColonyTest::QuasiPoisson;
    let quasi = analyse(&dishes, &table.source, &opts)?;

    // CSV: the rows of both tests (the control once), with the truth.
    let mut tab = crate::cfu::group_table(&welch);
    let qtab = crate::cfu::group_table(&quasi);
    tab.rows.extend(
        qtab.rows
            .into_iter()
            .zip(&quasi.rows)
            .filter(|(_, r)| !r.is_control)
            .map(|(c, _)| c),
    );
    tab.header.push("truth_percent_of_control".into());
    let groups: Vec<&str> = welch
        .rows
        .iter()
        .chain(quasi.rows.iter().filter(|r| !r.is_control))
        .map(|r| r.group.as_str())
        .collect();
    for (cells, g) in tab.rows.iter_mut().zip(groups) {
        cells.push(crate::table_out::n(Some(example::cfu_truth_percent(g))));
    }
    crate::table_out::write_side(&out.join("cfu_results.csv"), &tab, Some(6))?;

    let mut rows = Vec::new();
    let (mut treated, mut covered) = (0, 0);
    for r in &welch.rows {
        let q = quasi.rows.iter().find(|q| q.group == r.group);
        let truth = example::cfu_truth_percent(&r.group);
        if !r.is_control {
            treated += 1;
            for (l, u) in [
                (r.ci_lower, r.ci_upper),
                (q.and_then(|q| q.ci_lower), q.and_then(|q| q.ci_upper)),
            ] {
                if let (Some(l), Some(u)) = (l, u) {
                    if l <= truth && truth <= u {
                        covered += 1;
                    }
                }
            }
        }
        rows.push(vec![
            r.group.clone(),
            format!("{} ({})", r.n, r.n_dishes),
            match (r.mean_colonies, r.sd) {
                (Some(m), Some(s)) => format!("{} ± {}", fmt_f64(m, Some(4)), fmt_f64(s, Some(3))),
                (m, _) => sig(m, 4),
            },
            sig(r.percent_of_control, 3),
            range(r.ci_lower, r.ci_upper, 3),
            p_holm(r.p_value, r.p_adjusted),
            match q {
                Some(q) if !q.is_control => format!(
                    "{} ({})",
                    sig(q.rate_ratio.map(|x| 100.0 * x), 3),
                    range(q.ci_lower, q.ci_upper, 3)
                ),
                _ => String::new(),
            },
            p_holm(q.and_then(|q| q.p_value), q.and_then(|q| q.p_adjusted)),
            fmt_f64(truth, Some(3)),
            r.flags.join(" "),
        ]);
    }

    let fig = cfu_figure(
        &welch,
        "MLL-AF9 cells in methylcellulose: colonies with MI-503",
        None,
        false,
    );
    let svg = fig.to_svg();
    let name = "cfu_colonies.svg";
    std::fs::write(fig_dir.join(name), &svg)
        .with_context(|| format!("{}: cannot write", fig_dir.join(name).display()))?;
    let (n_samples, n_dishes) = example::CFU_REPLICATES;
    Ok(Section {
        heading: "Colony-forming assay".into(),
        paragraphs: vec![
            format!(
                "MLL-AF9 leukemia cells plated in methylcellulose ({} cells per dish) with DMSO or MI-503 (250 nM, 1 µM), colonies counted per dish: {n_samples} independent samples per group, {n_dishes} dishes each (examples/demo/cfu.csv: sample, group, dish, colonies, cells_plated). Analysed as `preclin cfu cfu.csv --control DMSO --per 3` does: dishes averaged per sample, samples the unit of statistics, colonies per 10³ cells plated, % of vehicle with the Welch t test (95 % CI of the difference in % of the vehicle mean), and, as the count model, a quasi-Poisson log-linear model with offset log(cells plated) (rate ratio in % of vehicle). Results in cfu_results.csv (both tests, with the truth).",
                example::CFU_CELLS_PLATED
            ),
            format!(
                "The counts were simulated (examples/demo/cfu_truth.csv) around a vehicle expectation of {} colonies per dish times the true % of vehicle, with log-normal between-sample ({}) and dish-to-dish ({}) variation of the rate and Poisson counting — over-dispersed counts whose expectation is the truth. Of the {} intervals (two tests × {treated} doses), {covered} cover the true % of vehicle.",
                example::CFU_VEHICLE_COLONIES,
                example::CFU_SAMPLE_SD,
                example::CFU_DISH_SD,
                2 * treated
            ),
        ],
        tables: vec![Table {
            caption: "Colonies and % of vehicle with the truth the counts were simulated from".into(),
            headers: [
                "group", "samples (dishes)", "colonies per 10³ cells, mean ± SD", "% of vehicle",
                "95% CI (Welch)", "p (Welch)", "quasi-Poisson: % of vehicle (95% CI)",
                "p (quasi-Poisson)", "truth % of vehicle", "flags",
            ]
            .map(String::from)
            .to_vec(),
            rows,
            notes: vec!["Mean ± SD over the samples' dish means. Welch: CI of the difference of means expressed in % of the vehicle mean (conditional on it). Quasi-Poisson: sample totals as counts, 100·e^(β ± t·se). Holm adjustment over the two doses.".into()],
        }],
        figures: vec![Figure {
            caption: format!(
                "Colonies per 10³ cells plated (mean ± SD of the samples, dots = sample means), Welch p-values against DMSO. File: figures/{name}"
            ),
            svg,
        }],
    })
}
