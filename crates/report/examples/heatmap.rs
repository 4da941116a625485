//! Renders two example heatmaps: a drug-combination synergy matrix and a cross-resistance
//! table.
//!
//! `cargo run -p preclin-report --example heatmap -- /tmp` writes `/tmp/heatmap_synergy.svg`
//! and `/tmp/heatmap_resistance.svg` (the directory defaults to the current one).

use preclin_report::{ColorScale, HeatmapFigure};

/// A number with one decimal and a typographic minus.
fn one_decimal(v: f64) -> String {
    format!("{v:.1}").replace('-', "\u{2212}")
}

/// An 8 × 8 Bliss synergy matrix (%): a synergy peak at intermediate doses, antagonism at the
/// highest doses, 0 for the monotherapy row and column, and one failed well.
pub fn synergy() -> HeatmapFigure {
    let x_doses = ["0", "3", "10", "30", "100", "300", "1000", "3000"];
    let y_doses = ["0", "0.3", "1", "3", "10", "30", "100", "300"];
    let mut values = Vec::new();
    let mut annotations = Vec::new();
    for i in 0..8 {
        let mut row = Vec::new();
        let mut ann = Vec::new();
        for j in 0..8 {
            let v = if i == 0 || j == 0 {
                0.0
            } else {
                let (fi, fj) = (f64::from(i), f64::from(j));
                44.0 * (-((fi - 3.5).powi(2) + (fj - 4.0).powi(2)) / 4.0).exp()
                    - 46.0 * (-((fi - 7.0).powi(2) + (fj - 7.0).powi(2)) / 2.5).exp()
                    + 2.5 * (fi * 1.7 + fj * 2.3).sin()
            };
            if (i, j) == (5, 2) {
                row.push(None);
                ann.push(String::new());
            } else {
                row.push(Some(v));
                ann.push(one_decimal(v));
            }
        }
        values.push(row);
        annotations.push(ann);
    }
    HeatmapFigure {
        title: "MI-503 + quizartinib in MV4;11".into(),
        x_label: "MI-503 (nM)".into(),
        y_label: "quizartinib (nM)".into(),
        x_ticks: x_doses.iter().map(|s| (*s).to_owned()).collect(),
        y_ticks: y_doses.iter().map(|s| (*s).to_owned()).collect(),
        y_up: true,
        values,
        annotations,
        scale: ColorScale::Diverging {
            center: 0.0,
            limit: Some(30.0),
        },
        legend_label: "Bliss synergy (%)".into(),
        ..HeatmapFigure::default()
    }
}

/// Cross-resistance of five drugs in four resistant lines: log2 resistance factor with
/// significance stars; one combination not tested.
pub fn resistance() -> HeatmapFigure {
    let drugs = [
        "Cytarabine",
        "Daunorubicin",
        "Quizartinib",
        "MI-503",
        "Venetoclax",
    ];
    let lines = ["MV4;11-R", "MOLM-13-R", "OCI-AML3-R", "THP-1-R"];
    let data: [[Option<(f64, &str)>; 4]; 5] = [
        [
            Some((3.1, "***")),
            Some((2.4, "**")),
            Some((0.2, "")),
            Some((1.1, "*")),
        ],
        [
            Some((1.8, "**")),
            Some((0.9, "")),
            Some((-0.3, "")),
            Some((0.4, "")),
        ],
        [
            Some((4.2, "***")),
            Some((3.6, "***")),
            None,
            Some((-0.2, "")),
        ],
        [
            Some((-0.8, "")),
            Some((-1.5, "*")),
            Some((0.1, "")),
            Some((-0.4, "")),
        ],
        [
            Some((0.6, "")),
            Some((-2.1, "**")),
            Some((1.9, "*")),
            Some((2.7, "**")),
        ],
    ];
    HeatmapFigure {
        title: "Cross-resistance of AML lines with acquired resistance".into(),
        x_label: "Resistant cell line".into(),
        y_label: String::new(),
        x_ticks: lines.iter().map(|s| (*s).to_owned()).collect(),
        y_ticks: drugs.iter().map(|s| (*s).to_owned()).collect(),
        y_up: false,
        values: data
            .iter()
            .map(|row| row.iter().map(|c| c.map(|(v, _)| v)).collect())
            .collect(),
        annotations: data
            .iter()
            .map(|row| {
                row.iter()
                    .map(|c| match c {
                        Some((v, stars)) if !stars.is_empty() => {
                            format!("{}\n{stars}", one_decimal(*v))
                        }
                        Some((v, _)) => one_decimal(*v),
                        None => "n.t.".to_owned(),
                    })
                    .collect()
            })
            .collect(),
        scale: ColorScale::Diverging {
            center: 0.0,
            limit: None,
        },
        legend_label: "log2 resistance factor".into(),
        missing_label: "Not tested".into(),
        ..HeatmapFigure::default()
    }
}

fn main() -> std::io::Result<()> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".to_owned());
    let dir = std::path::Path::new(&dir);
    std::fs::write(dir.join("heatmap_synergy.svg"), synergy().to_svg())?;
    std::fs::write(dir.join("heatmap_resistance.svg"), resistance().to_svg())?;
    Ok(())
}
