//! Statistics per gate: count, % of parent, % of total (see
//! [`crate::GateResult`]) and per-channel median, mean and geometric mean of
//! the events in the gate.
//!
//! - median: type-7 quantile at ½ (R's default; `preclin_stats::desc`);
//! - mean: arithmetic mean;
//! - geometric mean: `exp(mean(ln x))` over the events with x > 0 only (on
//!   compensated data some events are ≤ 0; FlowJo likewise leaves them
//!   out), `None` when there is none.
//!
//! NaN values are left out of every statistic. Values are on the scale the
//! caller passes (usually compensated scale values, i.e. MFI in data units).

use preclin_stats::desc;
use serde::Serialize;

/// Statistics of one channel within one gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelStats {
    /// Channel name.
    pub channel: String,
    /// Median (`None` for an empty gate).
    pub median: Option<f64>,
    /// Mean.
    pub mean: Option<f64>,
    /// Geometric mean of the positive values.
    pub geometric_mean: Option<f64>,
}

/// Median, mean and geometric mean of `values` where `membership` is true.
pub fn channel_stats(channel: &str, values: &[f64], membership: &[bool]) -> ChannelStats {
    let v: Vec<f64> = values
        .iter()
        .zip(membership)
        .filter(|&(x, &m)| m && !x.is_nan())
        .map(|(&x, _)| x)
        .collect();
    let pos: Vec<f64> = v.iter().copied().filter(|&x| x > 0.0).collect();
    ChannelStats {
        channel: channel.to_string(),
        median: desc::median(&v),
        mean: desc::mean(&v),
        geometric_mean: desc::geometric_mean(&pos),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_within_a_gate() {
        let v = [1.0, 10.0, 100.0, -5.0, f64::NAN, 1000.0];
        let m = [true, true, true, true, true, false];
        let s = channel_stats("x", &v, &m);
        assert_eq!(s.median, Some(5.5));
        assert_eq!(s.mean, Some(26.5));
        assert!((s.geometric_mean.unwrap() - 10.0).abs() < 1e-12);
        let e = channel_stats("x", &v, &[false; 6]);
        assert_eq!(e.median, None);
        assert_eq!(e.geometric_mean, None);
    }
}
