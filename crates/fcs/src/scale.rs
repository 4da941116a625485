//! From stored values to the values the FCS standard defines ("channel to
//! scale").
//!
//! For parameter n with stored value x (FCS 3.1 §3.3.25–26, and the
//! conventions FlowIO `as_array(preprocess=True)` and flowCore
//! `read.FCS(transformation = "linearize-with-PnG-scaling")` follow):
//!
//! 1. the time parameter (`$PnN` = `Time`, any case) is multiplied by
//!    `$TIMESTEP` when that is a positive number, and never divided by its
//!    `$PnG` (BD writes `$PnG = $TIMESTEP` for time; FlowIO ignores it too);
//! 2. log-amplified integer parameters (`$PnE = f1,f2`, f1 > 0) become
//!    `10^(f1·x/$PnR)·f2`, with f2 = 0 read as 1;
//! 3. linear parameters (no log amplification) are divided by `$PnG` when it
//!    is present and not 0 or 1.

use crate::decode::Events;
use crate::reader::DataSet;

/// What is applied to one parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scaling {
    /// Nothing: the stored value is the scale value.
    None,
    /// Multiply by `$TIMESTEP`.
    Time(f64),
    /// `10^(decades·x/range)·offset`.
    Log {
        /// f1 of `$PnE`.
        decades: f64,
        /// `$PnR`.
        range: f64,
        /// f2 of `$PnE` (0 read as 1).
        offset: f64,
    },
    /// Divide by `$PnG`.
    Gain(f64),
}

impl Scaling {
    /// Applies the scaling to one stored value.
    #[inline]
    pub fn apply(&self, x: f64) -> f64 {
        match *self {
            Scaling::None => x,
            Scaling::Time(step) => x * step,
            Scaling::Log {
                decades,
                range,
                offset,
            } => 10f64.powf(decades * x / range) * offset,
            Scaling::Gain(g) => x / g,
        }
    }
}

fn useful_gain(g: Option<f64>) -> Option<f64> {
    g.filter(|g| *g != 0.0 && *g != 1.0 && g.is_finite())
}

/// The scaling of every parameter of `ds`.
pub fn scalings(ds: &DataSet) -> Vec<Scaling> {
    let time = ds.time_parameter();
    ds.parameters
        .iter()
        .enumerate()
        .map(|(j, p)| {
            if let Some(l) = p.log {
                if p.range > 0.0 {
                    return Scaling::Log {
                        decades: l.decades,
                        range: p.range,
                        offset: l.effective_offset(),
                    };
                }
            }
            if Some(j) == time {
                return match ds.timestep {
                    Some(step) => Scaling::Time(step),
                    None => Scaling::None,
                };
            }
            match useful_gain(p.gain) {
                Some(g) => Scaling::Gain(g),
                None => Scaling::None,
            }
        })
        .collect()
}

/// Applies [`scalings`] to stored values in place.
pub fn scale_in_place(ds: &DataSet, events: &mut Events<f64>) {
    let s = scalings(ds);
    for (col, sc) in events.columns_mut().zip(&s) {
        if *sc != Scaling::None {
            for v in col.iter_mut() {
                *v = sc.apply(*v);
            }
        }
    }
}
