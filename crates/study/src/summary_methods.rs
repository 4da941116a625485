//! The methods section of the study report: one block per experiment, derived from its engine
//! options, stating every formula and definition choice with its source, plus the general
//! blocks (confidence intervals and multiplicity, the measured-vs-published rule, software).

use preclin_report::study::MethodsBlock;
use serde_json::Value;

use crate::manifest::{Experiment, ExperimentOptions, Undetected};

/// The serde name of a manifest enum (`ll4`, `delta_log` …).
fn name<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// An in vivo option as text (`None` when not set).
fn opt(table: &Value, key: &str) -> Option<String> {
    let v = table
        .get(key)
        .or_else(|| table.get(key.replace('_', "-")))?;
    Some(match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

fn block(e: &Experiment, paragraphs: Vec<String>, sources: &[&str]) -> MethodsBlock {
    MethodsBlock {
        heading: format!("{} ({})", e.name, e.kind.as_str()),
        paragraphs,
        sources: sources.iter().map(|s| s.to_string()).collect(),
    }
}

/// The methods block of one experiment; `definitions` are the engine's own definition lines
/// (the `#` comments of its result file), appended as written.
pub fn experiment_methods(e: &Experiment, definitions: &[String]) -> MethodsBlock {
    let mut b = match &e.options {
        ExperimentOptions::Viability(o) => {
            let f = &o.fit;
            let fixed: Vec<String> = [
                ("bottom", f.fix_bottom),
                ("top", f.fix_top),
                ("hill", f.fix_hill),
            ]
            .iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k} = {v}")))
            .collect();
            block(
                e,
                vec![
                    format!(
                        "Plate signals are blank-subtracted and expressed as % of the vehicle wells: y = 100·(x − mean blank)/(mean vehicle − mean blank); readout fitted: {}. Plate QC: Z′ = 1 − 3(σ_pos + σ_vehicle)/|μ_pos − μ_vehicle|, a plate with Z′ < 0.5 is flagged; outlier wells are flagged and kept, never dropped.",
                        name(&o.readout)
                    ),
                    format!(
                        "Curves: model {} of the log-logistic family f(x) = c + (d − c)/(1 + exp(b(ln x − ln e)))^f (drc's parameterisation; LL.4: f = 1; hill = b, positive for falling curves, Prism's HillSlope = −b), fitted by Levenberg–Marquardt least squares (at most {} iterations){}.",
                        name(&f.model),
                        f.max_iter,
                        if fixed.is_empty() {
                            String::new()
                        } else {
                            format!(", with {} fixed", fixed.join(", "))
                        }
                    ),
                    "Definitions: EC50 is the relative IC50 — the dose halfway between the fitted top and bottom (drc's e for LL.2–LL.4). IC50 is the absolute IC50 — the dose where the fitted curve crosses 50 % of the vehicle response; it does not exist when the curve never crosses it (flag never_reached). With time-zero plates GI50 / TGI / LC50 follow NCI-60 (% growth relative to time zero) and GR50 / GRmax the growth-rate-corrected metrics.".to_string(),
                    format!(
                        "Confidence intervals: {} at level {} (delta_log: exp(ln e ± t·se(ln e)); delta: e ± t·se(e) as drc; profile: profile likelihood). Across experiments (grouped by {}): geometric-mean EC50 / IC50 = 10^−mean pEC50, with 95 % CI 10^−(mean pEC50 ± t(n−1)·SEM).",
                        name(&f.ci),
                        f.level,
                        o.experiment_by.join(", ")
                    ),
                ],
                &[
                    "Ritz C, Baty F, Streibig JC, Gerhard D. Dose-response analysis using R. PLoS One 10:e0146021, 2015 (drc)",
                    "Zhang JH, Chung TD, Oldenburg KR. A simple statistical parameter for use in evaluation and validation of high throughput screening assays. J Biomol Screen 4:67–73, 1999 (Z′)",
                    "Shoemaker RH. The NCI60 human tumour cell line anticancer drug screen. Nat Rev Cancer 6:813–823, 2006 (GI50, TGI, LC50)",
                    "Hafner M et al. Growth rate inhibition metrics correct for confounders in measuring sensitivity to cancer drugs. Nat Methods 13:521–527, 2016 (GR metrics)",
                    "Sebaugh JL. Guidelines for accurate EC50/IC50 estimation. Pharm Stat 10:128–134, 2011 (relative vs absolute IC50)",
                ],
            )
        }
        ExperimentOptions::Combination(o) => block(
            e,
            vec![
                format!(
                    "Response kind {}; synergy models {} scored on every dose pair of the matrix as in SynergyFinder: Bliss independence E_exp = E_A + E_B − E_A·E_B; highest single agent E_exp = max(E_A, E_B); Loewe additivity a/A_x + b/B_x = 1 with LL.4 single-drug curves; ZIP (zero interaction potency) from the fitted single-drug and delta curves. Synergy score = observed − expected inhibition (percentage points; > 0 synergy, < 0 antagonism), averaged over the matrix.",
                    name(&o.response_kind),
                    o.methods.iter().map(name).collect::<Vec<_>>().join(", ")
                ),
                format!(
                    "Baseline correction: {}. 95 % confidence intervals and p-values from {} parametric bootstrap replicates of the replicate wells (seed {}).{}",
                    name(&o.baseline),
                    o.iterations,
                    o.seed,
                    o.compat
                        .as_ref()
                        .map(|c| format!(" Compatibility mode: {}.", name(c)))
                        .unwrap_or_default()
                ),
            ],
            &[
                "Bliss CI. The toxicity of poisons applied jointly. Ann Appl Biol 26:585–615, 1939",
                "Loewe S. The problem of synergism and antagonism of combined drugs. Arzneimittelforschung 3:285–290, 1953",
                "Yadav B, Wennerberg K, Aittokallio T, Tang J. Searching for drug synergy in complex dose–response landscapes using an interaction potency model. Comput Struct Biotechnol J 13:504–513, 2015 (ZIP)",
                "Ianevski A, Giri AK, Aittokallio T. SynergyFinder 3.0. Nucleic Acids Res 50:W739–W743, 2022",
            ],
        ),
        ExperimentOptions::Qpcr(o) => block(
            e,
            vec![
                format!(
                    "Method {}: ΔCt = Ct(target) − mean Ct(reference genes {}); technical replicates are averaged first and samples are the unit of statistics; ΔΔCt = ΔCt(group) − ΔCt(control {}); fold change = 2^−ΔΔCt (Pfaffl: every Ct weighted by log2 E of its gene).",
                    name(&o.method),
                    o.reference.join(", "),
                    o.control
                ),
                format!(
                    "Intervals: fold_lower / fold_upper are the ±1 SD band 2^−(ΔΔCt ± s) (tubes: {}), not a confidence interval; ci_lower / ci_upper are the 95 % CI of the fold change, 2^− of the CI of the difference in mean ΔCt from the {} test; p-values Holm-adjusted over each gene's groups.",
                    name(&o.tubes),
                    name(&o.test)
                ),
                format!(
                    "QC (MIQE): not detected = {}; technical replicates more than {} cycles apart flagged; Cq above {} flagged; reference-gene stability by geNorm M.",
                    match o.undetected {
                        Undetected::Drop => "left out (never read as 0)".to_string(),
                        Undetected::Cq(c) => format!("set to Cq {c} (fold changes are bounds)"),
                    },
                    o.max_spread,
                    o.cq_limit
                ),
            ],
            &[
                "Livak KJ, Schmittgen TD. Analysis of relative gene expression data using real-time quantitative PCR and the 2^−ΔΔCT method. Methods 25:402–408, 2001",
                "Pfaffl MW. A new mathematical model for relative quantification in real-time RT–PCR. Nucleic Acids Res 29:e45, 2001",
                "Bustin SA et al. The MIQE guidelines. Clin Chem 55:611–622, 2009",
                "Vandesompele J et al. Genome Biol 3:research0034, 2002 (geNorm)",
                "Holm S. A simple sequentially rejective multiple test procedure. Scand J Stat 6:65–70, 1979",
            ],
        ),
        ExperimentOptions::Cfu(o) => block(
            e,
            vec![format!(
                "Colonies per 10^{} cells plated; dishes of a sample are averaged and samples are the unit; % of control = 100·mean/mean(control {}); test {} against the control (t tests: 95 % CI of the difference relative to the control mean; quasi-Poisson / Poisson: log-linear model with offset ln(cells plated), rate ratio exp(β) with its CI); p-values Holm-adjusted over the groups (Dunnett: its own adjustment).",
                o.per,
                o.control,
                name(&o.test)
            )],
            &[
                "Holm S. Scand J Stat 6:65–70, 1979",
                "Dunnett CW. A multiple comparison procedure for comparing several treatments with a control. J Am Stat Assoc 50:1096–1121, 1955",
            ],
        ),
        ExperimentOptions::CrossResistance(o) => block(
            e,
            vec![format!(
                "Resistance factor RF = {} EC50 of the resistant line / EC50 of the parental line ({}), from one global fit of both curves (model {}, shared parameters: {}); CI {} at level {}; extra-sum-of-squares F test of one EC50 against two (model selection {}, α = {}). Classes: cross-resistance when RF > {} and the CI lower limit > 1; collateral sensitivity when RF < {} and the upper limit < 1.",
                name(&o.potency),
                o.parental,
                name(&o.model),
                if o.share.is_empty() {
                    "none".to_string()
                } else {
                    o.share.join(", ")
                },
                name(&o.ci),
                o.level,
                name(&o.select),
                o.alpha,
                o.cross,
                o.collateral
            )],
            &[
                "Ritz C et al. PLoS One 10:e0146021, 2015 (global fits, drc)",
                "Fieller EC. Some problems in interval estimation. J R Stat Soc B 16:175–185, 1954 (ratio intervals)",
            ],
        ),
        ExperimentOptions::Flow(o) => block(
            e,
            vec![format!(
                "FCS values are scaled ($PnE, $PnG), compensated with the file's spillover matrix, transformed ({} scale, cofactor {}) and gated as in Gating-ML 2.0; a marker is positive above the {}th percentile of the control (FMO / isotype) sample; Δ% positive = % positive(sample) − % positive(control). Markers: {}.",
                name(&o.scale),
                o.cofactor,
                o.percentile,
                o.markers.join(", ")
            )],
            &[
                "Spidlen J et al. Gating-ML 2.0. Cytometry A 87:683–687, 2015",
                "Spidlen J et al. Data File Standard for Flow Cytometry, version FCS 3.1. Cytometry A 77:97–100, 2010",
            ],
        ),
        ExperimentOptions::InVivo(t) => {
            let t = serde_json::to_value(t).unwrap_or(Value::Null);
            invivo_methods(e, &t)
        }
    };
    if !definitions.is_empty() {
        b.paragraphs
            .push("As written by the engine at the top of its result file:".to_string());
        b.paragraphs.extend(definitions.iter().cloned());
    }
    b
}

fn invivo_methods(e: &Experiment, t: &Value) -> MethodsBlock {
    let control = opt(t, "control").unwrap_or_else(|| "the control group".to_string());
    match e.kind.as_str() {
        "xenograft" => {
            let tgi = opt(t, "tgi").unwrap_or_else(|| "groupmeans".to_string());
            let tgi_text = match tgi.as_str() {
                "deltatv" => {
                    "TGI = 100·(1 − mean_T(V_t − V_0)/mean_C(V_t − V_0)) (per-mouse change, invivoSyn)"
                }
                "rtv" => "TGI = 100·(1 − mean_T(V_t/V_0)/mean_C(V_t/V_0)) (relative tumour volume)",
                _ => "TGI = 100·(1 − (mean T_t − mean T_0)/(mean C_t − mean C_0)) (group means)",
            };
            block(
                e,
                vec![format!(
                    "Tumour volume V = L·W²/2 (mm³). Against {control}: T/C = 100·mean V_T/mean V_C on the day; TGI definition {tgi}: {tgi_text}; reduction = 100 − T/C. Test: Welch t on ln(V + {}) against the control, Holm-adjusted over the treated groups. Humane endpoint {} mm³; mice that leave the study are never carried forward. Best response by mRECIST.",
                    opt(t, "log_offset").unwrap_or_else(|| "0".into()),
                    opt(t, "endpoint").unwrap_or_else(|| "not set".into())
                )],
                &[
                    "Gao H et al. High-throughput screening using patient-derived tumor xenografts to predict clinical trial drug response. Nat Med 21:1318–1325, 2015 (mRECIST)",
                    "Hather G et al. Growth rate analysis and efficient experimental design for tumor xenograft studies. Cancer Inform 13:65–72, 2014",
                    "Holm S. Scand J Stat 6:65–70, 1979",
                ],
            )
        }
        "survival" => block(
            e,
            vec![format!(
                "Kaplan–Meier survival per group with Greenwood variance and a {} 95 % band; median = first time S(t) ≤ 0.5; log-rank test against {control} (Holm over groups); hazard ratios Mantel–Haenszel exp((O − E)/V); % increase in median survival = 100·(median_T/median_C − 1) with a stratified bootstrap percentile 95 % CI ({} replicates, seed {}).",
                opt(t, "conf_type").unwrap_or_else(|| "log".into()),
                opt(t, "boot").unwrap_or_else(|| "2000".into()),
                opt(t, "seed").unwrap_or_else(|| "20260421".into())
            )],
            &[
                "Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. J Am Stat Assoc 53:457–481, 1958",
                "Mantel N. Evaluation of survival data and two new rank order statistics. Cancer Chemother Rep 50:163–170, 1966 (log-rank)",
                "Efron B, Tibshirani RJ. An Introduction to the Bootstrap. Chapman & Hall, 1993",
            ],
        ),
        "engraftment" => block(
            e,
            vec![format!(
                "% hCD45 = 100·hCD45/(hCD45 + mCD45) per mouse and day; engraftment threshold {} %; burden = each mouse's last value; AUC by the trapezoid rule; against {control}: Welch t on logit(%/100) (odds ratio exp(Δ logit) with 95 % CI) and Mann–Whitney, Holm-adjusted.",
                opt(t, "threshold").unwrap_or_else(|| "1".into())
            )],
            &["Holm S. Scand J Stat 6:65–70, 1979"],
        ),
        _ => block(
            e,
            vec![format!(
                "In vivo combination synergy against {control}: SynergyLMM (linear mixed model of ln tumour volume with a random slope per mouse; Bliss / HSA synergy score per time) and invivoSyn (AUC growth rates, bootstrap CI)."
            )],
            &[
                "Romero-Becerra R et al. SynergyLMM. Nat Commun 2025",
                "Mao B et al. invivoSyn. 2023",
            ],
        ),
    }
}

/// The general methods blocks: intervals and multiplicity, the measured-vs-published rule,
/// software.
pub fn general_methods(version: &str) -> Vec<MethodsBlock> {
    vec![
        MethodsBlock {
            heading: "Confidence intervals, tests and multiplicity".into(),
            paragraphs: vec![
                "Every interval in the summary is a 95 % confidence interval as defined in the experiment's block (the qPCR ±1 SD band is labelled as such and is not one). Tests are two-sided; where several groups are compared with one control the p-values are Holm-adjusted within the experiment. A value that could not be estimated is shown as \"not estimable\" or \"—\" with the result's flags, never as 0 or as a not-a-number placeholder.".into(),
            ],
            sources: vec!["Holm S. Scand J Stat 6:65–70, 1979".into()],
        },
        MethodsBlock {
            heading: "Measured vs published".into(),
            paragraphs: vec![
                "Published values come from preclin's bundled reference compound table (each row cites its source). Potency: measured and published values are converted to nM (mass units through the compound's molecular weight); the measured interval is the 95 % CI [L, U] (the point estimate when there is none); the published interval P is the value, the printed range, (0, x] for < x or [x, ∞) for > x. They agree when the intervals overlap (L ≤ P.high and U ≥ P.low); the compound is more potent than published when U < P.low (by P.low/U) and less potent when L > P.high (by L/P.high). GI50, IC50 and EC50 are compared with a note that their definitions differ; binding constants are never compared with cellular potency. When the experiment states its drug exposure (viability option assay_hours) and the published row its assay length, values from assays more than 1.5-fold shorter or longer are shown but not judged: menin-inhibitor potency grows with exposure (Borkin et al. 2015).".into(),
                "In vivo: a measured tumour-volume reduction (100 − T/C, %), fold reduction (mean C/mean T), TGI or % increase in median survival is set beside a published value of the same compound and outcome with the same interval rule; a published value from a different model, or a qualitative one, is shown and not judged.".into(),
            ],
            sources: Vec::new(),
        },
        MethodsBlock {
            heading: "Software".into(),
            paragraphs: vec![format!(
                "preclin {version}: every number is computed by preclin's own Rust implementations (crates stats, curve, invitro, synergy, flow, invivo); figures are written by its SVG writer and rasterised with resvg using the bundled DejaVu Sans font."
            )],
            sources: Vec::new(),
        },
    ]
}
