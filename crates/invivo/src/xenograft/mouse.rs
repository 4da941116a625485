//! Per-mouse metrics: growth rate, doubling time, the invivoSyn AUC rate,
//! best (average) response and mRECIST class, regressions and time to an
//! endpoint volume.

use serde::Serialize;

use super::model::{MouseSeries, Study};

/// mRECIST class of a PDX (Gao et al. 2015, Nat Med 21:1318, as coded in
/// Xeva `R/mRECIST.R`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Mrecist {
    /// Complete response: `BR < −95 %` and `BAR < −40 %`.
    CR,
    /// Partial response: `BR < −50 %` and `BAR < −20 %`.
    PR,
    /// Stable disease: `BR < 35 %` and `BAR < 30 %`.
    SD,
    /// Progressive disease: anything else.
    PD,
}

impl Mrecist {
    /// `CR`, `PR`, `SD` or `PD`.
    pub fn name(self) -> &'static str {
        match self {
            Mrecist::CR => "CR",
            Mrecist::PR => "PR",
            Mrecist::SD => "SD",
            Mrecist::PD => "PD",
        }
    }
}

/// Regression class of one mouse (see [`MouseOptions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Regression {
    /// Volume ≤ the detection limit at ≥ `consecutive` consecutive
    /// measurements after baseline.
    Complete,
    /// Volume ≤ `partial_fraction`·V₀ (default 50 %) at ≥ `consecutive`
    /// consecutive measurements after baseline (and not complete).
    Partial,
    /// Neither.
    None,
}

impl Regression {
    /// `complete`, `partial` or `none`.
    pub fn name(self) -> &'static str {
        match self {
            Regression::Complete => "complete",
            Regression::Partial => "partial",
            Regression::None => "none",
        }
    }
}

/// Options of the per-mouse metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MouseOptions {
    /// mRECIST: best responses are taken over `t ≥ min_time` days
    /// (Xeva `min.time = 10`), on the study's day axis (as Xeva's `time`).
    pub min_time: f64,
    /// Complete regression: volume ≤ this (mm³); default 0 ("not palpable"
    /// recorded as 0).
    pub detection_limit: f64,
    /// Partial regression: volume ≤ this fraction of V₀ (default 0.5).
    pub partial_fraction: f64,
    /// Consecutive measurements needed for a regression (default 2).
    pub consecutive: usize,
    /// Endpoint volume (mm³) for the time-to-endpoint (default 1000).
    pub endpoint: f64,
}

impl Default for MouseOptions {
    fn default() -> Self {
        MouseOptions {
            min_time: 10.0,
            detection_limit: 0.0,
            partial_fraction: 0.5,
            consecutive: 2,
            endpoint: 1000.0,
        }
    }
}

/// Time to the endpoint volume, as a right-censored observation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeToEndpoint {
    /// Day of the first measurement with `V ≥ endpoint` (event), else the day
    /// of censoring: the stated exit (humane endpoint, death …) or the last
    /// measurement.
    pub time: f64,
    /// True when the endpoint volume was reached.
    pub event: bool,
    /// Why the observation is censored (`end of measurements` or the stated
    /// exit reason); empty for an event.
    pub censor_reason: String,
}

/// Metrics of one mouse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MouseMetrics {
    /// Mouse key.
    pub key: String,
    /// Mouse label.
    pub mouse: String,
    /// Group.
    pub group: String,
    /// Number of volumes.
    pub n_obs: usize,
    /// Day of the last volume.
    pub last_day: Option<f64>,
    /// Baseline volume V₀ (first measurement).
    pub v0: Option<f64>,
    /// Exponential growth rate (per day): OLS slope of `ln V` on day over all
    /// measurements (Hather et al. 2014; Demidenko 2010). `None` with fewer
    /// than 2 points, a zero volume or a single day.
    pub growth_rate: Option<f64>,
    /// Doubling time `ln 2 / rate` (days); `None` unless the rate is > 0.
    pub doubling_time: Option<f64>,
    /// invivoSyn `get_AUC` rate: `2·[∫ ln(V+1) dt − ln(V₀+1)·span]/span²`
    /// (trapezoids over all measurements, span = last − first day); equals
    /// the growth rate under exponential growth.
    pub auc_rate: Option<f64>,
    /// Best response: `min ΔVol_t` over `t ≥ min_time`, with
    /// `ΔVol_t = 100·(V_t − V₀)/V₀` (Xeva).
    pub best_response: Option<f64>,
    /// Best average response: the minimum over `t ≥ min_time` of the
    /// running mean of `ΔVol` from the first measurement (Xeva).
    pub best_avg_response: Option<f64>,
    /// mRECIST class; `None` with fewer than 2 measurements at
    /// `t ≥ min_time`.
    pub mrecist: Option<Mrecist>,
    /// Regression class.
    pub regression: Regression,
    /// Any shrinkage: some later volume `< V₀`.
    pub any_shrinkage: bool,
    /// Time to the endpoint volume.
    pub time_to_endpoint: Option<TimeToEndpoint>,
}

/// OLS slope of `y` on `x`: `Sxy/Sxx`.
fn slope(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len();
    if n < 2 {
        return None;
    }
    let mx = x.iter().sum::<f64>() / n as f64;
    let my = y.iter().sum::<f64>() / n as f64;
    let sxx: f64 = x.iter().map(|v| (v - mx) * (v - mx)).sum();
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Exponential growth rate: the OLS slope of `ln V` on day. `None` for fewer
/// than 2 points, a single day or a volume ≤ 0.
pub fn growth_rate(days: &[f64], volumes: &[f64]) -> Option<f64> {
    if volumes.iter().any(|&v| !(v > 0.0)) {
        return None;
    }
    let y: Vec<f64> = volumes.iter().map(|v| v.ln()).collect();
    slope(days, &y)
}

/// invivoSyn's AUC-based rate (`get_AUC`):
/// `AUC = 2·[Σ trapezoids of ln(V+1) − ln(V₀+1)·span]/span²`, span = last −
/// first day. `None` for fewer than 2 points or a zero span.
pub fn auc_rate(days: &[f64], volumes: &[f64]) -> Option<f64> {
    if days.len() < 2 {
        return None;
    }
    let span = days[days.len() - 1] - days[0];
    if !(span > 0.0) {
        return None;
    }
    let y: Vec<f64> = volumes.iter().map(|v| (v + 1.0).ln()).collect();
    let trap: f64 = (1..days.len())
        .map(|i| (days[i] - days[i - 1]) * (y[i] + y[i - 1]) / 2.0)
        .sum();
    Some(2.0 * (trap - y[0] * span) / (span * span))
}

/// Best response, best average response and mRECIST class (Xeva rules, see
/// [`MouseMetrics`]); if V₀ = 0, 1 is added to every volume first.
pub fn mrecist(
    days: &[f64],
    volumes: &[f64],
    min_time: f64,
) -> (Option<f64>, Option<f64>, Option<Mrecist>) {
    if days.is_empty() {
        return (None, None, None);
    }
    let add = if volumes[0] == 0.0 { 1.0 } else { 0.0 };
    let v0 = volumes[0] + add;
    let mut cum = 0.0;
    let (mut br, mut bar) = (f64::INFINITY, f64::INFINITY);
    let mut n = 0;
    for (i, (&d, &v)) in days.iter().zip(volumes).enumerate() {
        let dv = 100.0 * (v + add - v0) / v0;
        cum += dv;
        let avg = cum / (i + 1) as f64;
        if d >= min_time {
            n += 1;
            br = br.min(dv);
            bar = bar.min(avg);
        }
    }
    if n < 2 {
        return (None, None, None);
    }
    let class = if br < -95.0 && bar < -40.0 {
        Mrecist::CR
    } else if br < -50.0 && bar < -20.0 {
        Mrecist::PR
    } else if br < 35.0 && bar < 30.0 {
        Mrecist::SD
    } else {
        Mrecist::PD
    };
    (Some(br), Some(bar), Some(class))
}

fn run_at_least(flags: impl Iterator<Item = bool>, k: usize) -> bool {
    let mut run = 0;
    for f in flags {
        run = if f { run + 1 } else { 0 };
        if run >= k.max(1) {
            return true;
        }
    }
    false
}

/// Metrics of one mouse.
pub fn mouse_metrics(m: &MouseSeries, opts: &MouseOptions) -> MouseMetrics {
    let days = m.days();
    let vols = m.volumes();
    let v0 = m.v0();
    let growth = growth_rate(&days, &vols);
    let (br, bar, class) = mrecist(&days, &vols, opts.min_time);
    let after = || vols.iter().skip(1);
    let complete = run_at_least(
        after().map(|&v| v <= opts.detection_limit),
        opts.consecutive,
    );
    let partial = v0.is_some_and(|v0| {
        run_at_least(
            after().map(|&v| v <= opts.partial_fraction * v0),
            opts.consecutive,
        )
    });
    let regression = if complete {
        Regression::Complete
    } else if partial {
        Regression::Partial
    } else {
        Regression::None
    };
    let tte = if m.points.is_empty() {
        None
    } else if let Some(p) = m.points.iter().find(|p| p.volume >= opts.endpoint) {
        Some(TimeToEndpoint {
            time: p.day,
            event: true,
            censor_reason: String::new(),
        })
    } else {
        let last = m.points[m.points.len() - 1].day;
        Some(match &m.exit {
            Some((d, r)) => TimeToEndpoint {
                time: d.max(last),
                event: false,
                censor_reason: r.clone(),
            },
            None => TimeToEndpoint {
                time: last,
                event: false,
                censor_reason: "end of measurements".into(),
            },
        })
    };
    MouseMetrics {
        key: m.key.clone(),
        mouse: m.mouse.clone(),
        group: m.group.clone(),
        n_obs: vols.len(),
        last_day: days.last().copied(),
        v0,
        growth_rate: growth,
        doubling_time: growth
            .filter(|&r| r > 0.0)
            .map(|r| std::f64::consts::LN_2 / r),
        auc_rate: auc_rate(&days, &vols),
        best_response: br,
        best_avg_response: bar,
        mrecist: class,
        regression,
        any_shrinkage: v0.is_some_and(|v0| after().any(|&v| v < v0)),
        time_to_endpoint: tte,
    }
}

/// Metrics of every mouse of the study, in study order.
pub fn all_mouse_metrics(study: &Study, opts: &MouseOptions) -> Vec<MouseMetrics> {
    study.mice.iter().map(|m| mouse_metrics(m, opts)).collect()
}

/// One bar of a waterfall plot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaterfallRow {
    /// Mouse key.
    pub mouse: String,
    /// Group.
    pub group: String,
    /// Best response (%), see [`MouseMetrics::best_response`].
    pub best_response: f64,
    /// mRECIST class.
    pub mrecist: Option<Mrecist>,
}

/// Waterfall rows: every mouse with a best response, sorted from the largest
/// growth to the deepest response (ties by mouse key).
pub fn waterfall(metrics: &[MouseMetrics]) -> Vec<WaterfallRow> {
    let mut rows: Vec<WaterfallRow> = metrics
        .iter()
        .filter_map(|m| {
            Some(WaterfallRow {
                mouse: m.key.clone(),
                group: m.group.clone(),
                best_response: m.best_response?,
                mrecist: m.mrecist,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        b.best_response
            .total_cmp(&a.best_response)
            .then_with(|| a.mouse.cmp(&b.mouse))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xeva_doc_example() {
        // Xeva `mRECIST` documentation example (R/mRECIST.R); SOURCES.md: BR 52.55, BAR 35.18, PD.
        let t = [0.0, 3.0, 7.0, 11.0, 18.0, 22.0, 26.0, 30.0, 32.0, 35.0];
        let v = [
            250.8, 320.4, 402.3, 382.6, 384.0, 445.9, 460.2, 546.8, 554.3, 617.9,
        ];
        let (br, bar, c) = mrecist(&t, &v, 10.0);
        assert!((br.unwrap() - 52.55).abs() < 0.01, "{br:?}");
        assert!((bar.unwrap() - 35.18).abs() < 0.01, "{bar:?}");
        assert_eq!(c, Some(Mrecist::PD));
    }

    #[test]
    fn exponential_rate_and_auc() {
        let t: Vec<f64> = (0..8).map(|i| 3.0 * i as f64).collect();
        let v: Vec<f64> = t.iter().map(|d| 100.0 * (0.07 * d).exp()).collect();
        assert!((growth_rate(&t, &v).unwrap() - 0.07).abs() < 1e-12);
        // ln(V+1) ≈ ln V for large V: the AUC rate is close to k.
        let big: Vec<f64> = v.iter().map(|x| x * 1e6).collect();
        assert!((auc_rate(&t, &big).unwrap() - 0.07).abs() < 2e-3);
        assert_eq!(growth_rate(&[0.0, 1.0], &[0.0, 5.0]), None);
    }
}
