//! Renders an example dose–response figure and a small HTML report.
//!
//! `cargo run -p preclin-report --example dose_response -- /tmp/dr_example.svg [/tmp/report.html]`

use preclin_report::{
    DoseResponseFigure, DoseResponseSeries, Figure, Marker, PointSummary, Provenance, Report,
    Section, Table,
};

/// Four-parameter log-logistic curve (viability falls with dose for hill > 0).
fn ll4(x: f64, bottom: f64, top: f64, ic50: f64, hill: f64) -> f64 {
    bottom + (top - bottom) / (1.0 + (x / ic50).powf(hill))
}

fn series(
    name: &str,
    bottom: f64,
    top: f64,
    ic50: f64,
    hill: f64,
    noise: &[f64],
) -> DoseResponseSeries {
    let doses: Vec<f64> = (0..9).map(|i| 10_000.0 / 3f64.powi(i)).rev().collect();
    let points = doses
        .iter()
        .zip(noise)
        .map(|(&x, &e)| PointSummary {
            x,
            mean: ll4(x, bottom, top, ic50, hill) + e,
            sd: Some(3.0 + e.abs()),
            n: 3,
        })
        .collect();
    let grid: Vec<f64> = (0..=120)
        .map(|i| 10f64.powf(0.0 + 4.0 * f64::from(i) / 120.0))
        .collect();
    let curve = grid
        .iter()
        .map(|&x| (x, ll4(x, bottom, top, ic50, hill)))
        .collect();
    let band = grid
        .iter()
        .map(|&x| {
            let y = ll4(x, bottom, top, ic50, hill);
            let w = 4.0 + 6.0 * (-(x / ic50).log10().powi(2)).exp();
            (x, y - w, y + w)
        })
        .collect();
    let marker = Some(Marker {
        x: ic50,
        y: ll4(ic50, bottom, top, ic50, hill),
        label: if ic50 > 10_000.0 {
            "IC50 > 10000 nM".to_owned()
        } else {
            format!("IC50 {ic50:.0} nM")
        },
    });
    DoseResponseSeries {
        name: name.to_owned(),
        points,
        curve,
        band,
        marker,
        control: Some(PointSummary {
            x: 0.0,
            mean: 100.0,
            sd: Some(4.0),
            n: 6,
        }),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let svg_path = args.get(1).map_or("/tmp/dr_example.svg", String::as_str);
    let fig = DoseResponseFigure {
        title: "MI-503, 7-day viability".to_owned(),
        x_label: "MI-503 (nM)".to_owned(),
        y_label: "Viability (% of vehicle)".to_owned(),
        series: vec![
            series(
                "MV4;11",
                5.0,
                100.0,
                312.0,
                1.3,
                &[1.0, -2.0, 2.5, -1.5, 3.0, -2.0, 1.0, 0.5, -1.0],
            ),
            series(
                "MOLM-13",
                12.0,
                98.0,
                840.0,
                1.1,
                &[-1.5, 2.0, -0.5, 2.0, -3.0, 1.5, -1.0, 2.0, 0.5],
            ),
            series(
                "K562",
                60.0,
                101.0,
                30_000.0,
                1.0,
                &[2.0, -1.0, 1.5, -2.5, 1.0, -1.5, 2.0, -1.0, 1.0],
            ),
        ],
        ..DoseResponseFigure::default()
    };
    let svg = fig.to_svg();
    std::fs::write(svg_path, &svg).expect("write svg");
    if let Some(html_path) = args.get(2) {
        let report = Report {
            title: "MI-503 in MLL-rearranged AML lines".to_owned(),
            subtitle: "Example report".to_owned(),
            description: vec!["Cell viability after 7 days of MI-503, % of vehicle.".to_owned()],
            sections: vec![Section {
                heading: "Potency".to_owned(),
                paragraphs: vec![
                    "Relative IC50 from a four-parameter log-logistic fit.".to_owned(),
                ],
                tables: vec![Table {
                    caption: "Relative IC50 (nM) with 95% CI".to_owned(),
                    headers: vec![
                        "Cell line".into(),
                        "IC50 (nM)".into(),
                        "Hill slope".into(),
                        "Flags".into(),
                    ],
                    rows: vec![
                        vec!["MV4;11".into(), "312".into(), "1.3".into(), "".into()],
                        vec!["MOLM-13".into(), "840".into(), "1.1".into(), "".into()],
                        vec![
                            "K562".into(),
                            "".into(),
                            "1.0".into(),
                            "extrapolated".into(),
                        ],
                    ],
                    notes: vec!["Hill slope is positive for falling viability.".into()],
                }],
                figures: vec![Figure {
                    caption:
                        "Viability (mean ± SD, n = 3) with fitted curves and 95% confidence bands."
                            .to_owned(),
                    svg,
                }],
            }],
            provenance: Provenance {
                tool_version: env!("CARGO_PKG_VERSION").to_owned(),
                command: "preclin report example".to_owned(),
                inputs: vec![("plates/mi503_day7.csv".into(), "0".repeat(64))],
                options: vec![("model".into(), "LL.4".into())],
                seeds: vec![("bootstrap".into(), 20240101)],
                generated_at: None,
            },
        };
        std::fs::write(html_path, report.render()).expect("write html");
    }
}
