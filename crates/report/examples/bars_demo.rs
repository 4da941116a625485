//! Writes example fold-change and CFU figures to the directory given as the
//! first argument (default `.`): `cargo run -p preclin-report --example bars_demo -- /tmp`.
use preclin_report::figures::cfu::{CfuBar, CfuFigure};
use preclin_report::figures::fold_change::{FoldCell, FoldChangeFigure};

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let cell = |f: f64, s: f64, p: Option<f64>| FoldCell {
        fold: Some(f),
        sd_lower: Some(f * 2f64.powf(-s)),
        sd_upper: Some(f * 2f64.powf(s)),
        p_value: p,
        points: vec![f * 0.9, f, f * 1.12],
        n: 3,
        ..Default::default()
    };
    let fig = FoldChangeFigure {
        title: "HOXA9 / MEIS1 after 4 days".into(),
        genes: vec!["HOXA9".into(), "MEIS1".into(), "PBX3".into()],
        groups: vec!["DMSO".into(), "MI-2 1 µM".into(), "VTP50469 100 nM".into()],
        cells: vec![
            vec![
                cell(1.0, 0.1, None),
                cell(0.35, 0.15, Some(0.002)),
                cell(0.22, 0.2, Some(0.0004)),
            ],
            vec![
                cell(1.0, 0.12, None),
                cell(0.18, 0.2, Some(0.0002)),
                cell(0.09, 0.1, Some(0.00001)),
            ],
            vec![
                cell(1.0, 0.08, None),
                cell(0.8, 0.15, Some(0.2)),
                cell(0.4, 0.2, Some(0.01)),
            ],
        ],
        log2: true,
        ..Default::default()
    };
    std::fs::write(format!("{dir}/fold_change.svg"), fig.to_svg()).expect("write");
    let cfu = CfuFigure {
        title: "Colony formation, day 12".into(),
        y_label: "Colonies per 10⁴ cells".into(),
        bars: vec![
            CfuBar {
                group: "DMSO".into(),
                mean: Some(532.0),
                error: Some(55.0),
                points: vec![533.3, 586.7, 476.7],
                p_value: None,
            },
            CfuBar {
                group: "MI-2".into(),
                mean: Some(122.0),
                error: Some(15.0),
                points: vec![130.0, 133.3, 103.3],
                p_value: Some(0.002),
            },
        ],
        ..Default::default()
    };
    std::fs::write(format!("{dir}/cfu.svg"), cfu.to_svg()).expect("write");
}
