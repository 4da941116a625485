//! Compensation and spectral unmixing.
//!
//! Detectors see a mixture of fluorochromes: with d the row vector of
//! detector values and f that of fluorochrome abundances, `d = f·S`, where
//! the spillover (spectrum) matrix S has one row per fluorochrome and one
//! column per detector (`S_ij` = fraction of fluorochrome i's signal in
//! detector j). Compensation recovers `f = d·C` with:
//!
//! - square S (classic compensation, `$SPILLOVER`): `C = S⁻¹`;
//! - wide S (more detectors than fluorochromes, spectral unmixing, Gating-ML
//!   2.0 non-square `spectrumMatrix`): ordinary least squares,
//!   `C = Sᵀ(SSᵀ)⁻¹` (the Moore–Penrose pseudo-inverse);
//! - Gating-ML `matrix-inverted-already="true"`: the written matrix *is* C,
//!   one row per detector and one column per fluorochrome.
//!
//! Channels a matrix does not mention pass through unchanged.
//!
//! Matrix files ([`parse_matrix_file`]): flowCore's text export (a title
//! line, an optional `<` `>` line, tab-separated detector names, then n rows
//! of n values), and CSV/TSV with a header of names and optionally a
//! leading row-name column.

use preclin_fcs::Spillover;

use crate::error::{FlowError, Result};
use crate::linalg::{invert, pinv_wide};

/// A linear map from detector columns to output columns, `f = d·C`.
#[derive(Debug, Clone, PartialEq)]
pub struct Compensation {
    /// Where the matrix came from (matrix id, keyword or file), for
    /// messages.
    pub source: String,
    /// Input (detector) channel names, m of them.
    pub detectors: Vec<String>,
    /// Output channel names, k of them (the detector names for `$SPILLOVER`
    /// compensation, fluorochrome names for Gating-ML matrices).
    pub outputs: Vec<String>,
    /// Row-major m×k matrix C.
    pub matrix: Vec<f64>,
}

impl Compensation {
    /// Compensation from a square spillover matrix (row-major, rows =
    /// fluorochromes = channels): `C = S⁻¹`; outputs keep the channel
    /// names.
    pub fn from_spillover(
        source: &str,
        channels: &[String],
        spill: &[f64],
    ) -> Result<Compensation> {
        let n = channels.len();
        if spill.len() != n * n {
            return Err(FlowError::Matrix {
                id: source.into(),
                message: format!("{} values for {n} channels", spill.len()),
            });
        }
        let c = invert(spill, n).ok_or_else(|| FlowError::Matrix {
            id: source.into(),
            message: "the spillover matrix is singular".into(),
        })?;
        Ok(Compensation {
            source: source.into(),
            detectors: channels.to_vec(),
            outputs: channels.to_vec(),
            matrix: c,
        })
    }

    /// Compensation from an FCS file's spillover keyword.
    pub fn from_fcs(spill: &Spillover) -> Result<Compensation> {
        Compensation::from_spillover(&spill.keyword, &spill.channels, &spill.matrix)
    }

    /// Compensation from a Gating-ML spectrum matrix: `rows` as written.
    /// Not inverted: k rows (fluorochromes) of m coefficients (detectors),
    /// `C = pinv(S)`. Inverted already: m rows (detectors) of k
    /// coefficients, `C` as written.
    pub fn from_spectrum(
        source: &str,
        fluorochromes: &[String],
        detectors: &[String],
        rows: &[Vec<f64>],
        inverted_already: bool,
    ) -> Result<Compensation> {
        let k = fluorochromes.len();
        let m = detectors.len();
        let bad = |message: String| FlowError::Matrix {
            id: source.into(),
            message,
        };
        if k == 0 || m == 0 {
            return Err(bad("no fluorochrome or no detector".into()));
        }
        if k > m {
            return Err(bad(format!(
                "{k} fluorochromes but only {m} detectors: unmixing is under-determined"
            )));
        }
        let (nr, nc) = if inverted_already { (m, k) } else { (k, m) };
        if rows.len() != nr || rows.iter().any(|r| r.len() != nc) {
            return Err(bad(format!(
                "expected {nr} spectra of {nc} coefficients ({} matrix)",
                if inverted_already {
                    "inverted: detectors × fluorochromes"
                } else {
                    "fluorochromes × detectors"
                }
            )));
        }
        let flat: Vec<f64> = rows.iter().flatten().copied().collect();
        let matrix = if inverted_already {
            flat
        } else {
            pinv_wide(&flat, k, m).ok_or_else(|| bad("the spectrum matrix is singular".into()))?
        };
        Ok(Compensation {
            source: source.into(),
            detectors: detectors.to_vec(),
            outputs: fluorochromes.to_vec(),
            matrix,
        })
    }

    /// Applies the map to detector columns given in [`Compensation::detectors`]
    /// order; returns one column per output.
    pub fn apply(&self, detector_columns: &[&[f64]]) -> Vec<Vec<f64>> {
        let m = self.detectors.len();
        let k = self.outputs.len();
        let n = detector_columns.first().map_or(0, |c| c.len());
        let mut out = vec![vec![0.0; n]; k];
        for (j, o) in out.iter_mut().enumerate() {
            for (i, d) in detector_columns.iter().enumerate().take(m) {
                let c = self.matrix[i * k + j];
                if c == 0.0 {
                    continue;
                }
                for (ov, dv) in o.iter_mut().zip(d.iter()) {
                    *ov += c * dv;
                }
            }
        }
        out
    }

    /// Compensates the columns of `names` in place (the `$SPILLOVER` case:
    /// outputs named like the detectors). Errors when a detector is not a
    /// channel.
    pub fn apply_in_place(&self, names: &[String], columns: &mut [Vec<f64>]) -> Result<()> {
        let idx = self.detector_indices(names)?;
        let outs = {
            let inputs: Vec<&[f64]> = idx.iter().map(|&i| columns[i].as_slice()).collect();
            self.apply(&inputs)
        };
        for (o, col) in self.outputs.iter().zip(outs) {
            if let Some(i) = names.iter().position(|n| n == o) {
                columns[i] = col;
            }
        }
        Ok(())
    }

    /// Column index of every detector in `names` (exact, then ignoring
    /// case).
    pub fn detector_indices(&self, names: &[String]) -> Result<Vec<usize>> {
        self.detectors
            .iter()
            .map(|d| {
                names
                    .iter()
                    .position(|n| n == d)
                    .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(d)))
                    .ok_or_else(|| FlowError::Matrix {
                        id: self.source.clone(),
                        message: format!(
                            "detector '{d}' is not a channel of the data (channels: {})",
                            names.join(", ")
                        ),
                    })
            })
            .collect()
    }
}

/// Reads a spillover matrix file: returns the channel names and the
/// row-major n×n matrix (see the module docs for the formats).
pub fn parse_matrix_file(text: &str) -> Result<(Vec<String>, Vec<f64>)> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<(usize, &str)> = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i, l.trim_start_matches('\u{feff}')))
        .filter(|(_, l)| !l.trim().is_empty())
        .collect();
    let line_no = |idx: usize| -> usize { idx + 1 };
    let split = |l: &str| -> Vec<String> {
        let t = l.trim();
        let parts: Vec<&str> = if t.contains('\t') {
            t.split('\t').collect()
        } else if t.contains(',') {
            t.split(',').collect()
        } else if t.contains(';') {
            t.split(';').collect()
        } else {
            t.split_whitespace().collect()
        };
        parts
            .into_iter()
            .map(|p| p.trim().trim_matches('"').to_string())
            .collect()
    };
    let is_num = |s: &str| s.parse::<f64>().is_ok_and(|v| v.is_finite());
    // Header: the last non-numeric line with ≥ 1 name immediately followed
    // by numeric rows.
    let mut header_at = None;
    for (k, (_, l)) in lines.iter().enumerate() {
        let f = split(l);
        let numeric_after = lines
            .get(k + 1)
            .map(|(_, nl)| split(nl).iter().filter(|x| is_num(x)).count() >= 1)
            .unwrap_or(false);
        if !f.is_empty() && f.iter().filter(|x| !x.is_empty()).all(|x| !is_num(x)) && numeric_after
        {
            header_at = Some(k);
            break;
        }
    }
    let Some(h) = header_at else {
        return Err(FlowError::MatrixFile {
            line: 1,
            message: "no header line of channel names followed by numeric rows".into(),
        });
    };
    let mut names: Vec<String> = split(lines[h].1)
        .into_iter()
        .filter(|x| !x.is_empty())
        .collect();
    // A header over a row-label column ("channel,A,B" above "A,1,0.1").
    if let Some((_, first_row)) = lines.get(h + 1) {
        let f = split(first_row);
        if f.len() == names.len() && !f.is_empty() && !is_num(&f[0]) && names.len() > 1 {
            names.remove(0);
        }
    }
    let n = names.len();
    let mut matrix = Vec::with_capacity(n * n);
    let mut rows = 0;
    for (idx, l) in lines.iter().skip(h + 1) {
        if rows == n {
            break;
        }
        let mut f = split(l);
        if f.len() == n + 1 && !is_num(&f[0]) {
            f.remove(0); // row label
        }
        if f.len() != n {
            return Err(FlowError::MatrixFile {
                line: line_no(*idx),
                message: format!("{} values, expected {n} (one per channel)", f.len()),
            });
        }
        for v in &f {
            let x = v
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| FlowError::MatrixFile {
                    line: line_no(*idx),
                    message: format!("'{v}' is not a number"),
                })?;
            matrix.push(x);
        }
        rows += 1;
    }
    if rows != n {
        return Err(FlowError::MatrixFile {
            line: lines.last().map_or(1, |(i, _)| line_no(*i)),
            message: format!("{rows} rows of values, expected {n}"),
        });
    }
    names.iter_mut().for_each(|s| *s = s.trim().to_string());
    Ok((names, matrix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flowcore_text_format() {
        let t = "Lipo088#2matrix\r<\t>\rFL1-H\tFL2-H\tFL3-H\tFL4-H\r1\t0.24\t0.032\t1.13e-3\r7.77e-3\t1\t0.14\t2.74e-3\r8.69e-3\t0.17\t1\t0.21\r7.95e-4\t9.95e-4\t3.23e-3\t1\r";
        let (names, m) = parse_matrix_file(t).unwrap();
        assert_eq!(names, ["FL1-H", "FL2-H", "FL3-H", "FL4-H"]);
        assert_eq!(m.len(), 16);
        assert_eq!(m[1], 0.24);
        assert_eq!(m[15], 1.0);
        let csv = "channel,A,B\nA,1,0.1\nB,0.2,1\n";
        let (names, m) = parse_matrix_file(csv).unwrap();
        assert_eq!(names, ["A", "B"]);
        assert_eq!(m, [1.0, 0.1, 0.2, 1.0]);
        assert!(parse_matrix_file("A,B\n1,x\n0,1\n").is_err());
        assert!(parse_matrix_file("").is_err());
    }

    #[test]
    fn compensate_recovers_fluorochromes() {
        let names: Vec<String> = ["A", "B"].iter().map(|s| s.to_string()).collect();
        let c = Compensation::from_spillover("t", &names, &[1.0, 0.1, 0.2, 1.0]).unwrap();
        // f = (100, 50): d = f·S = (100 + 10, 10 + 50).
        let out = c.apply(&[&[110.0], &[60.0]]);
        assert!((out[0][0] - 100.0).abs() < 1e-12 && (out[1][0] - 50.0).abs() < 1e-12);
        assert!(Compensation::from_spillover("t", &names, &[1.0, 1.0, 1.0, 1.0]).is_err());
    }
}
