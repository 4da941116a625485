//! Fold-change bar chart of a qPCR experiment: genes along x, one bar per
//! group (control first), error bars, significance stars, optional log₂
//! axis with the reference line at 1.
//!
//! The error bars are either `pcr`'s ±1 SD band `2^−(ΔΔCt ± s)`
//! ([`ErrorBars::Sd`], the default — it is not a confidence interval) or the
//! 95 % CI from the biological replicates ([`ErrorBars::Ci`]); the figure's
//! footnote says which. Dots are the fold changes of the individual samples
//! (`2^−(ΔCt_sample − mean ΔCt_control)`).

use serde::{Deserialize, Serialize};

use super::bars::{Bar, BarChart, stars};
use super::format_value;

/// Which interval the error bars show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorBars {
    /// `pcr`'s band 2^−(ΔΔCt ± SD).
    #[default]
    Sd,
    /// 95 % confidence interval.
    Ci,
}

/// One gene × group of the figure.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FoldCell {
    /// Fold change.
    pub fold: Option<f64>,
    /// Lower ±SD limit.
    pub sd_lower: Option<f64>,
    /// Upper ±SD limit.
    pub sd_upper: Option<f64>,
    /// Lower 95 % CI limit.
    pub ci_lower: Option<f64>,
    /// Upper 95 % CI limit.
    pub ci_upper: Option<f64>,
    /// p-value against the control.
    pub p_value: Option<f64>,
    /// Per-sample fold changes.
    pub points: Vec<f64>,
    /// Samples.
    pub n: usize,
}

/// Input of the fold-change figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FoldChangeFigure {
    /// Title.
    pub title: String,
    /// Genes (x clusters).
    pub genes: Vec<String>,
    /// Groups (bars), control first.
    pub groups: Vec<String>,
    /// `cells[gene][group]`.
    pub cells: Vec<Vec<FoldCell>>,
    /// log₂ y axis.
    pub log2: bool,
    /// Error bars.
    pub error_bars: ErrorBars,
    /// Size in px.
    pub width: f64,
    /// Size in px.
    pub height: f64,
}

impl Default for FoldChangeFigure {
    fn default() -> Self {
        FoldChangeFigure {
            title: String::new(),
            genes: Vec::new(),
            groups: Vec::new(),
            cells: Vec::new(),
            log2: false,
            error_bars: ErrorBars::Sd,
            width: 560.0,
            height: 360.0,
        }
    }
}

impl FoldChangeFigure {
    /// Renders the figure (deterministic SVG).
    pub fn to_svg(&self) -> String {
        let bars = self
            .cells
            .iter()
            .enumerate()
            .map(|(gi, row)| {
                row.iter()
                    .enumerate()
                    .map(|(k, c)| {
                        let (lower, upper) = match self.error_bars {
                            ErrorBars::Sd => (c.sd_lower, c.sd_upper),
                            ErrorBars::Ci => (c.ci_lower, c.ci_upper),
                        };
                        let mut tip = format!(
                            "{} {}: fold {}",
                            self.genes.get(gi).map(String::as_str).unwrap_or(""),
                            self.groups.get(k).map(String::as_str).unwrap_or(""),
                            c.fold.and_then(format_value).unwrap_or_else(|| "–".into())
                        );
                        if let (Some(l), Some(u)) =
                            (lower.and_then(format_value), upper.and_then(format_value))
                        {
                            tip.push_str(&format!(" ({l}–{u})"));
                        }
                        if let Some(p) = c.p_value.and_then(format_value) {
                            tip.push_str(&format!(", p = {p}"));
                        }
                        tip.push_str(&format!(", n = {}", c.n));
                        Bar {
                            value: c.fold,
                            lower,
                            upper,
                            points: c.points.clone(),
                            label: if k == 0 {
                                String::new()
                            } else {
                                stars(c.p_value)
                            },
                            tooltip: tip,
                        }
                    })
                    .collect()
            })
            .collect();
        BarChart {
            title: self.title.clone(),
            y_label: "Fold change (2^−ΔΔCt)".into(),
            categories: self.genes.clone(),
            series: self.groups.clone(),
            bars,
            log2: self.log2,
            reference: Some(1.0),
            width: self.width,
            height: self.height,
            note: match self.error_bars {
                ErrorBars::Sd => "Error bars: 2^−(ΔΔCt ± SD) (pcr's band, not a CI); dots: samples; * p<0.05 ** p<0.01 *** p<0.001".into(),
                ErrorBars::Ci => "Error bars: 95% CI from biological replicates; dots: samples; * p<0.05 ** p<0.01 *** p<0.001".into(),
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
        let f = FoldChangeFigure {
            genes: vec!["MEIS1".into()],
            groups: vec!["DMSO".into(), "MI-2".into()],
            cells: vec![vec![
                FoldCell {
                    fold: Some(1.0),
                    sd_lower: Some(0.9),
                    sd_upper: Some(1.1),
                    n: 3,
                    ..Default::default()
                },
                FoldCell {
                    fold: Some(0.2),
                    sd_lower: Some(0.15),
                    sd_upper: Some(0.26),
                    p_value: Some(0.0004),
                    points: vec![0.18, 0.2, 0.23],
                    n: 3,
                    ..Default::default()
                },
            ]],
            log2: true,
            ..Default::default()
        };
        let s = f.to_svg();
        assert!(s.contains("***") && s.contains("not a CI"));
        assert_eq!(s, f.to_svg());
    }
}
