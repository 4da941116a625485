//! Deterministic formatting of numbers in output tables.
//!
//! A value that does not exist is an empty cell — never `NaN`, `inf` or 0.
//! Finite values are written in the shortest form that reads back to the
//! same double (the Ryū algorithm; integers without a trailing ".0", very
//! small or large magnitudes in `1.5e-9` notation), or to `digits`
//! significant digits when asked.

/// Formats an optional value: `None` and non-finite values become "".
pub fn num(v: Option<f64>, digits: Option<usize>) -> String {
    match v {
        Some(x) if x.is_finite() => fmt_f64(x, digits),
        _ => String::new(),
    }
}

/// Formats a finite value (see module docs).
pub fn fmt_f64(x: f64, digits: Option<usize>) -> String {
    let x = if x == 0.0 { 0.0 } else { x }; // no "-0"
    match digits {
        None => {
            let mut buf = ryu::Buffer::new();
            let s = buf.format_finite(x);
            s.strip_suffix(".0").unwrap_or(s).to_string()
        }
        Some(d) => {
            let d = d.clamp(1, 17);
            if x == 0.0 {
                return "0".into();
            }
            let mag = x.abs().log10().floor() as i32;
            if (-5..15).contains(&mag) {
                let decimals = (d as i32 - 1 - mag).max(0) as usize;
                let s = format!("{x:.decimals$}");
                trim_zeros(&s)
            } else {
                let s = format!("{x:.prec$e}", prec = d - 1);
                s
            }
        }
    }
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        let t = s.trim_end_matches('0').trim_end_matches('.');
        if t == "-0" { "0".into() } else { t.into() }
    } else {
        s.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_non_finite_are_empty() {
        assert_eq!(num(None, None), "");
        assert_eq!(num(Some(f64::NAN), None), "");
        assert_eq!(num(Some(f64::INFINITY), Some(4)), "");
        assert_eq!(num(Some(-0.0), None), "0");
    }

    #[test]
    fn shortest_round_trip_and_significant_digits() {
        assert_eq!(num(Some(3.0579551717373867), None), "3.0579551717373867");
        assert_eq!(num(Some(3.0), None), "3");
        assert_eq!(num(Some(1.5e-9), None), "1.5e-9");
        for v in [0.1, 1.0 / 3.0, 2.5e-7, 123456789.123, -4.2e21] {
            assert_eq!(num(Some(v), None).parse::<f64>().unwrap(), v);
        }
        assert_eq!(num(Some(3.0579551717373867), Some(6)), "3.05796");
        assert_eq!(num(Some(312.6), Some(3)), "313");
        assert_eq!(num(Some(0.000123456), Some(3)), "0.000123");
        assert_eq!(num(Some(1.0), Some(4)), "1");
        assert_eq!(num(Some(1.5e-9), Some(3)), "1.50e-9");
        assert_eq!(num(Some(-0.00001), Some(2)), "-0.00001");
    }
}
