//! `preclin synergy-invivo INPUT --control NAME --drugs A,B --combo NAME` —
//! in vivo combination synergy from tumour volumes over time (SynergyLMM and
//! invivoSyn, computed in `preclin_invivo::synergy`).
//!
//! Input: a tidy long table (`mouse|subject|animal`, `group|treatment|arm`,
//! `day|time`, `volume|tumorvolume|tumor_volume|tv`; names case-insensitive)
//! or invivoSyn's wide layout (`Treatment, Mouse, <day>, <day>, …`; empty =
//! not measured).

use std::path::PathBuf;

use anyhow::bail;
use clap::{Args, ValueEnum};
use preclin_invitro::table::{Table, TableOptions};
use preclin_invivo::synergy::invivosyn::{InvivoSynOptions, invivosyn_synergy};
use preclin_invivo::synergy::synergylmm::{SynergyLmmOptions, synergy_lmm};
use preclin_invivo::synergy::{SynergyArms, TumourRecord};

use crate::fit_table::Cell;
use crate::provenance::{Provenance, sha256_file};
use crate::qpcr::OutArgs;
use crate::table_out::{OutTable, n, t, write_main};

/// Which method(s) to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// invivoSyn: AUC growth rates, bootstrap CI.
    Invivosyn,
    /// SynergyLMM: mixed model of log RTV, time-resolved.
    Synergylmm,
    /// Both (default).
    Both,
}

/// Arguments of `preclin synergy-invivo`.
#[derive(Debug, Args)]
pub struct SynergyInvivoArgs {
    /// Tumour volumes: tidy long (mouse, group, day, volume) or invivoSyn wide (Treatment, Mouse, days…).
    pub input: PathBuf,
    /// Control (vehicle) arm.
    #[arg(long, value_name = "NAME")]
    pub control: String,
    /// The two monotherapy arms, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        num_args = 1,
        value_name = "A,B",
        required = true
    )]
    pub drugs: Vec<String>,
    /// The combination arm.
    #[arg(long, value_name = "NAME")]
    pub combo: String,
    /// Method(s).
    #[arg(long, value_enum, default_value_t = MethodArg::Both)]
    pub method: MethodArg,
    /// Seed of the invivoSyn bootstrap (Xoshiro256++).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// invivoSyn bootstrap replicates.
    #[arg(long, default_value_t = 1000)]
    pub boot: usize,
    /// invivoSyn: day (after the first day) at which relative survival is evaluated.
    #[arg(long, default_value_t = 21.0)]
    pub day: f64,
    /// SynergyLMM: first time (after the first day) with a synergy row.
    #[arg(long, default_value_t = 0.0)]
    pub min_time: f64,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Sheet of a workbook.
    #[arg(long)]
    pub sheet: Option<String>,
    #[command(flatten)]
    pub out: OutArgs,
}

const MOUSE: [&str; 5] = ["mouse", "subject", "animal", "mouse_id", "sampleid"];
const GROUP: [&str; 4] = ["group", "treatment", "arm", "treatment_group"];
const DAY: [&str; 3] = ["day", "time", "days"];
const VOLUME: [&str; 6] = [
    "volume",
    "tumorvolume",
    "tumor_volume",
    "tumourvolume",
    "tumour_volume",
    "tv",
];

fn find(table: &Table, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| table.find_column(n))
}

/// Reads tidy long or invivoSyn wide records; errors name file, line and column.
pub fn read_records(table: &Table) -> anyhow::Result<Vec<TumourRecord>> {
    let file = &table.source;
    let (m, g, d, v) = (
        find(table, &MOUSE),
        find(table, &GROUP),
        find(table, &DAY),
        find(table, &VOLUME),
    );
    let check_volume = |x: Option<f64>, line: usize, col: &str| -> anyhow::Result<Option<f64>> {
        if let Some(x) = x {
            if x < 0.0 {
                bail!("{file}, line {line}, column '{col}': tumour volume {x} is negative");
            }
        }
        Ok(x)
    };
    let mut out = Vec::new();
    if let (Some(m), Some(g), Some(d), Some(v)) = (m, g, d, v) {
        for row in &table.rows {
            let Some(mouse) = row.text(m) else {
                bail!(
                    "{file}, line {}, column '{}': empty mouse id",
                    row.line,
                    table.headers[m]
                );
            };
            let Some(group) = row.text(g) else {
                bail!(
                    "{file}, line {}, column '{}': empty group",
                    row.line,
                    table.headers[g]
                );
            };
            let Some(day) = table.parse_f64(row, d)? else {
                bail!(
                    "{file}, line {}, column '{}': missing day",
                    row.line,
                    table.headers[d]
                );
            };
            let volume = check_volume(table.parse_f64(row, v)?, row.line, &table.headers[v])?;
            out.push(TumourRecord {
                mouse: mouse.to_string(),
                group: group.to_string(),
                day,
                volume,
            });
        }
        return Ok(out);
    }
    // invivoSyn wide: group, mouse, then one column per day.
    let (Some(g), Some(m)) = (g, m) else {
        bail!(
            "{file}: expected a long table with columns mouse|subject, group|treatment, day|time, volume|tumorvolume, \
             or invivoSyn's wide layout (Treatment, Mouse, <day>, …); columns present: {}",
            table.headers.join(", ")
        );
    };
    let days: Vec<(usize, f64)> = (0..table.headers.len())
        .filter(|&c| c != g && c != m)
        .map(|c| {
            table.headers[c]
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(|x| (c, x))
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "{file}, line 1, column {}: wide layout needs a day number as header, found '{}'",
                        c + 1,
                        table.headers[c]
                    )
                })
        })
        .collect::<anyhow::Result<_>>()?;
    if days.is_empty() {
        bail!("{file}: wide layout without day columns");
    }
    for row in &table.rows {
        let (Some(group), Some(mouse)) = (row.text(g), row.text(m)) else {
            bail!("{file}, line {}: empty group or mouse id", row.line);
        };
        for &(c, day) in &days {
            let volume = check_volume(table.parse_f64(row, c)?, row.line, &table.headers[c])?;
            out.push(TumourRecord {
                mouse: mouse.to_string(),
                group: group.to_string(),
                day,
                volume,
            });
        }
    }
    Ok(out)
}

/// Runs `preclin synergy-invivo`.
pub fn run(a: SynergyInvivoArgs) -> anyhow::Result<()> {
    if a.drugs.len() != 2 {
        bail!(
            "--drugs needs exactly two monotherapy arms (A,B), got {}",
            a.drugs.len()
        );
    }
    if !(a.level > 0.0 && a.level < 1.0) {
        bail!("--level must lie in (0, 1), got {}", a.level);
    }
    if a.boot == 0 && a.method != MethodArg::Synergylmm {
        bail!("--boot must be at least 1");
    }
    let table = Table::read_with(
        &a.input,
        &TableOptions {
            sheet: a.sheet.clone(),
            delimiter: None,
        },
    )?;
    let records = read_records(&table)?;
    let arms = SynergyArms {
        control: a.control.clone(),
        drug_a: a.drugs[0].clone(),
        drug_b: a.drugs[1].clone(),
        combo: a.combo.clone(),
    };
    let file = &table.source;
    let mut tab = OutTable::new(&[
        "method",
        "null",
        "time",
        "synergy_score",
        "ss_lower",
        "ss_upper",
        "combination_index",
        "ci_lower",
        "ci_upper",
        "p_value",
        "p_antagonism",
        "n_obs",
        "flags",
    ]);
    let mut extra: Vec<(&str, serde_json::Value)> = Vec::new();
    if matches!(a.method, MethodArg::Synergylmm | MethodArg::Both) {
        let r = synergy_lmm(
            &records,
            &arms,
            &SynergyLmmOptions {
                time_start: None,
                min_time: a.min_time,
                level: a.level,
            },
        )
        .map_err(|e| anyhow::anyhow!("{file}: SynergyLMM: {e}"))?;
        for row in &r.rows {
            let mut flags = Vec::new();
            if !row.converged {
                flags.push("not_converged");
            }
            if row.singular {
                flags.push("singular");
            }
            tab.rows.push(vec![
                t("synergylmm"),
                t(row.null.name()),
                n(Some(row.time)),
                n(row.synergy_score),
                n(row.ss_lower),
                n(row.ss_upper),
                n(row.combination_index),
                n(row.ci_lower),
                n(row.ci_upper),
                n(row.p),
                Cell::Num(None),
                Cell::Int(row.n_obs),
                t(flags.join(";")),
            ]);
        }
        extra.push((
            "synergylmm_model",
            serde_json::json!({
                "time_start": r.time_start,
                "arms": arms.order(),
                "growth_rate": r.model.rate,
                "growth_rate_se": r.model.rate_se,
                "sd_random_slope": r.model.sd_random_slope,
                "sd_residual": r.model.sd_residual,
                "reml_loglik": r.model.loglik,
                "n_obs": r.model.n_obs,
                "n_mice": r.model.n_mice,
                "converged": r.model.converged,
                "singular": r.model.singular,
                "hsa_reference": r.hsa_reference,
                "mice_excluded": r.mice_excluded,
                "zero_volumes_dropped": r.zero_volumes_dropped,
            }),
        ));
    }
    if matches!(a.method, MethodArg::Invivosyn | MethodArg::Both) {
        let r = invivosyn_synergy(
            &records,
            &arms,
            &InvivoSynOptions {
                day: a.day,
                boot: a.boot,
                seed: a.seed,
                level: a.level,
            },
        )
        .map_err(|e| anyhow::anyhow!("{file}: invivoSyn: {e}"))?;
        for row in &r.rows {
            tab.rows.push(vec![
                t("invivosyn"),
                t(row.null.name()),
                n(Some(row.day)),
                n(Some(row.synergy_score)),
                n(row.ss_lower),
                n(row.ss_upper),
                n(Some(row.combination_index)),
                n(row.ci_lower),
                n(row.ci_upper),
                n(row.p_synergy_ss),
                n(row.p_antagonism_ss),
                Cell::Int(r.arms.iter().map(|x| x.n).sum()),
                t(""),
            ]);
        }
        extra.push((
            "invivosyn",
            serde_json::json!({
                "day_origin": r.day_origin,
                "arms": r.arms,
                "mice": r.mice,
                "boot": r.boot,
                "seed": r.seed,
            }),
        ));
    }
    let prov = Provenance::new(
        vec![(a.input.display().to_string(), sha256_file(&a.input)?)],
        vec![
            ("control".into(), a.control.clone()),
            ("drugs".into(), a.drugs.join(",")),
            ("combo".into(), a.combo.clone()),
            ("method".into(), format!("{:?}", a.method).to_lowercase()),
            ("seed".into(), a.seed.to_string()),
            ("boot".into(), a.boot.to_string()),
            ("day".into(), a.day.to_string()),
            ("min_time".into(), a.min_time.to_string()),
            ("level".into(), a.level.to_string()),
        ],
    );
    write_main(
        a.out.output.as_ref(),
        a.out.format,
        "synergy",
        &tab,
        &prov,
        &[
            "time = days since the first day of the study (both methods rebase); synergy_score > 0 and combination_index < 1 mean synergy",
            "synergylmm (SynergyLMM): REML mixed model ln(V/V0) = beta_arm*t + b_mouse*t + e refitted to the data up to each time; Bliss: delta = b_AB - b_A - b_B + b_C, HSA: delta = b_AB - min(b_A, b_B); synergy_score = -delta/se, ss_lower/upper = score -/+ z; combination_index = exp(delta*t); p_value two-sided normal; flags: not_converged, singular",
            "invivosyn (invivoSyn): per-mouse AUC growth rate 2*[trapz(ln(V+1)) - ln(V0+1)*span]/span^2, S = exp((mean AUC - mean AUC control)*time); Bliss S_e = S_A*S_B, HSA S_e = min(S_A, S_B); combination_index = S_AB/S_e, synergy_score = 100*(S_e - S_AB); percentile bootstrap CI (mice resampled within arm, --boot, --seed); p_value = P*(SS <= 0), p_antagonism = P*(SS >= 0); n_obs = mice with an AUC",
        ],
        extra,
        a.out.digits,
        a.out.no_comments,
    )?;
    Ok(())
}
