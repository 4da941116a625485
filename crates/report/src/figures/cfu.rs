//! Colony-forming-unit bar chart: one bar per treatment group (control
//! first), mean ± SD (or SEM) of the biological replicates, the replicates
//! as dots, significance stars against the control.

use serde::{Deserialize, Serialize};

use super::bars::{Bar, BarChart, stars};
use super::format_value;

/// One group of the CFU figure.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CfuBar {
    /// Group.
    pub group: String,
    /// Mean colonies (or % of control).
    pub mean: Option<f64>,
    /// Half-width of the error bar (SD or SEM).
    pub error: Option<f64>,
    /// Sample values.
    pub points: Vec<f64>,
    /// p-value against the control.
    pub p_value: Option<f64>,
}

/// Input of the CFU figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CfuFigure {
    /// Title.
    pub title: String,
    /// y-axis title, e.g. `Colonies per 10⁴ cells`.
    pub y_label: String,
    /// What the error bars are (`SD` or `SEM`).
    pub error_label: String,
    /// Bars, control first.
    pub bars: Vec<CfuBar>,
    /// Reference line (e.g. 100 for % of control).
    pub reference: Option<f64>,
    /// Size in px.
    pub width: f64,
    /// Size in px.
    pub height: f64,
}

impl Default for CfuFigure {
    fn default() -> Self {
        CfuFigure {
            title: String::new(),
            y_label: "Colonies".into(),
            error_label: "SD".into(),
            bars: Vec::new(),
            reference: None,
            width: 480.0,
            height: 340.0,
        }
    }
}

impl CfuFigure {
    /// Renders the figure (deterministic SVG).
    pub fn to_svg(&self) -> String {
        let bars: Vec<Bar> = self
            .bars
            .iter()
            .enumerate()
            .map(|(k, b)| {
                let mut tip = format!(
                    "{}: {}",
                    b.group,
                    b.mean.and_then(format_value).unwrap_or_else(|| "–".into())
                );
                if let Some(e) = b.error.and_then(format_value) {
                    tip.push_str(&format!(" ± {e} {}", self.error_label));
                }
                if let Some(p) = b.p_value.and_then(format_value) {
                    tip.push_str(&format!(", p = {p}"));
                }
                Bar {
                    value: b.mean,
                    lower: b.mean.zip(b.error).map(|(m, e)| m - e),
                    upper: b.mean.zip(b.error).map(|(m, e)| m + e),
                    points: b.points.clone(),
                    label: if k == 0 {
                        String::new()
                    } else {
                        stars(b.p_value)
                    },
                    tooltip: tip,
                }
            })
            .collect();
        // One cluster per group, so that group names sit under the bars.
        let n = bars.len();
        BarChart {
            title: self.title.clone(),
            y_label: self.y_label.clone(),
            categories: self.bars.iter().map(|b| b.group.clone()).collect(),
            series: vec![String::new()],
            bars: bars.into_iter().map(|b| vec![b]).collect(),
            log2: false,
            reference: self.reference,
            width: self.width,
            height: self.height,
            note: if n > 0 {
                format!(
                    "Mean ± {}; dots: biological replicates; * p<0.05 ** p<0.01 *** p<0.001",
                    self.error_label
                )
            } else {
                String::new()
            },
        }
        .to_svg()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders() {
        let f = CfuFigure {
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
        let s = f.to_svg();
        assert!(s.contains("**") && s.contains("MI-2"));
        assert_eq!(s, f.to_svg());
    }
}
