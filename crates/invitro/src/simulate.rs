//! Simulated plate-reader readings with known truth, and a writer for the
//! matrix export format that [`crate::reader`] reads back.
//!
//! Reader noise model: a reading is `blank + s·(1 + cv·ε₁) + sd·ε₂` with
//! ε₁, ε₂ independent standard normal, `s` the expected background-free
//! signal of the well (absorbance or luminescence units), `cv` the
//! proportional (pipetting / cell-seeding) noise and `sd` the additive
//! instrument noise. Readings are rounded to 4 decimals, as absorbance
//! readers print them.

use std::io::Write;

use rand::Rng;
use rand_distr::{Distribution, Normal};

use crate::plate::PlateFormat;

/// Noise of a simulated reader.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReaderNoise {
    /// Background of an empty (blank) well.
    pub blank: f64,
    /// Proportional noise (coefficient of variation of the signal).
    pub cv: f64,
    /// Additive noise SD.
    pub sd: f64,
}

impl Default for ReaderNoise {
    /// MTT-like absorbance at 570 nm: blank 0.065, CV 4 %, SD 0.004.
    fn default() -> Self {
        ReaderNoise {
            blank: 0.065,
            cv: 0.04,
            sd: 0.004,
        }
    }
}

/// Draws the readings of one plate: `signal[i]` is the expected
/// background-free signal of well i (None = empty well, written as blank
/// reading of an unused well is not needed: None stays None).
pub fn read_plate<R: Rng + ?Sized>(
    signal: &[Option<f64>],
    noise: &ReaderNoise,
    rng: &mut R,
) -> Vec<Option<f64>> {
    let n01 = Normal::new(0.0, 1.0).expect("standard normal");
    signal
        .iter()
        .map(|s| {
            s.map(|s| {
                let v = noise.blank
                    + s * (1.0 + noise.cv * n01.sample(rng))
                    + noise.sd * n01.sample(rng);
                (v.max(0.0) * 1e4).round() / 1e4
            })
        })
        .collect()
}

/// One plate for [`write_matrix_export`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlateExport {
    /// Plate id, written as `Plate: <id>` before the block.
    pub id: String,
    /// Plate format.
    pub format: PlateFormat,
    /// Row-major readings (None = empty cell).
    pub values: Vec<Option<f64>>,
}

/// Writes plates as a plate-reader style matrix export: free-text header
/// lines, then for each plate a `Plate: <id>` line, a header row
/// `,1,2,…,12` and one row per plate row (`A,0.1234,…`), blocks separated
/// by an empty line.
pub fn write_matrix_export<W: Write>(
    header_lines: &[String],
    plates: &[PlateExport],
    mut out: W,
) -> std::io::Result<()> {
    for l in header_lines {
        writeln!(out, "{l}")?;
    }
    for p in plates {
        writeln!(out)?;
        writeln!(out, "Plate: {}", p.id)?;
        let cols = p.format.cols() as usize;
        let mut head = String::new();
        for c in 1..=cols {
            head.push(',');
            head.push_str(&c.to_string());
        }
        writeln!(out, "{head}")?;
        for r in 0..p.format.rows() as usize {
            let mut line = String::new();
            line.push((b'A' + r as u8) as char);
            for c in 0..cols {
                line.push(',');
                if let Some(v) = p.values.get(r * cols + c).copied().flatten() {
                    line.push_str(&format!("{v:.4}"));
                }
            }
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn round_trips_through_the_reader() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let f = PlateFormat::Wells96;
        let signal: Vec<Option<f64>> = (0..96).map(|i| Some(i as f64 / 96.0)).collect();
        let a = read_plate(&signal, &ReaderNoise::default(), &mut rng);
        let b = read_plate(&signal, &ReaderNoise::default(), &mut rng);
        let plates = vec![
            PlateExport {
                id: "P1".into(),
                format: f,
                values: a.clone(),
            },
            PlateExport {
                id: "P2".into(),
                format: f,
                values: b,
            },
        ];
        let mut buf = Vec::new();
        write_matrix_export(&["Simulated".to_string()], &plates, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let read = crate::reader::parse_matrix(&text, "sim.csv", "sim").unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].id, "P1");
        assert_eq!(read[1].id, "P2");
        for (x, y) in read[0].values.iter().zip(&a) {
            assert!((x.unwrap() - y.unwrap()).abs() < 1e-12);
        }
    }

    #[test]
    fn noise_has_the_stated_size() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
        let n = 20_000;
        let signal = vec![Some(1.0); n];
        let noise = ReaderNoise::default();
        let v: Vec<f64> = read_plate(&signal, &noise, &mut rng)
            .into_iter()
            .flatten()
            .collect();
        let m = v.iter().sum::<f64>() / n as f64;
        let sd = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        let want = (noise.cv * noise.cv + noise.sd * noise.sd).sqrt();
        assert!((m - 1.065).abs() < 0.002, "{m}");
        assert!((sd / want - 1.0).abs() < 0.03, "{sd} vs {want}");
    }
}
