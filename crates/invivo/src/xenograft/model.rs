//! The typed study model: caliper or volume records → validated per-mouse
//! series.
//!
//! The caller (the CLI, a test) parses its file and hands over one
//! [`Record`] per input row together with the row's line number; every
//! validation error names that line. Rules:
//! - **Volume**: a `volume` (mm³) is used as is; otherwise `length` and
//!   `width` (mm) give `V = W²·L/2` ([`VolumeFormula::Half`], the caliper
//!   formula, e.g. the "Tumor Growth Inhibition (TGI) Calculator") or the
//!   ellipsoid `V = π/6·W²·L` ([`VolumeFormula::Pi6`]). Width is the shorter
//!   axis: when `width > length` the two are swapped and a warning names the
//!   row.
//! - **Errors**: a negative size, a non-finite number, a mouse in two groups,
//!   two measurements of one mouse on one day, an empty mouse or group.
//! - **Missing**: a record without any size is "not measured"; it never
//!   becomes 0 and is not carried forward.
//! - **Exits**: a record may carry an exit reason (death, ulceration, humane
//!   endpoint …); the mouse leaves the study on that day and is reported in
//!   [`Study::exits`]. Mice whose last measurement precedes the last day of the
//!   study without a stated reason are reported too, as "not measured after".
//! - **Days** are rebased so that the earliest day of the study is 0 when
//!   [`StudyOptions::rebase_days`] is set (invivoSyn does `Day − min(Day)`).

use serde::Serialize;

/// Tumour volume from caliper length and width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum VolumeFormula {
    /// `V = W²·L/2` (the usual caliper formula; default).
    #[default]
    Half,
    /// `V = π/6·W²·L` (ellipsoid with depth = width).
    Pi6,
}

impl VolumeFormula {
    /// The volume (mm³) of a tumour of length `l` and width `w` (mm), with
    /// `w ≤ l`.
    pub fn volume(self, l: f64, w: f64) -> f64 {
        match self {
            VolumeFormula::Half => w * w * l / 2.0,
            VolumeFormula::Pi6 => std::f64::consts::PI / 6.0 * w * w * l,
        }
    }

    /// Name used in outputs: `half` or `pi6`.
    pub fn name(self) -> &'static str {
        match self {
            VolumeFormula::Half => "half",
            VolumeFormula::Pi6 => "pi6",
        }
    }
}

/// One input row (already split into typed fields by the caller).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    /// Line (or sheet row) number of the row in the input, for messages.
    pub line: usize,
    /// Mouse identifier.
    pub mouse: String,
    /// Treatment group.
    pub group: String,
    /// Day of measurement.
    pub day: f64,
    /// Tumour volume (mm³), when given directly.
    pub volume: Option<f64>,
    /// Caliper length (mm), the longer axis.
    pub length: Option<f64>,
    /// Caliper width (mm), the shorter axis.
    pub width: Option<f64>,
    /// Body weight (g), when recorded.
    pub body_weight: Option<f64>,
    /// Reason the mouse left the study on this day (empty: none).
    pub exit: Option<String>,
}

/// Options of [`Study::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct StudyOptions {
    /// Caliper formula.
    pub formula: VolumeFormula,
    /// Rebase days to `day − min(day)` over the whole study.
    pub rebase_days: bool,
    /// Mouse identity is `group + mouse` (invivoSyn wide tables, where mouse
    /// numbers repeat across groups) instead of `mouse` alone.
    pub key_includes_group: bool,
}

impl Default for StudyOptions {
    fn default() -> Self {
        StudyOptions {
            formula: VolumeFormula::Half,
            rebase_days: false,
            key_includes_group: false,
        }
    }
}

/// A validation error; every variant names the input line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StudyError {
    /// A size or weight is negative or not finite.
    #[error("line {line}: {what} is {value}; sizes and weights must be finite and ≥ 0")]
    BadValue {
        /// Input line.
        line: usize,
        /// Which field.
        what: &'static str,
        /// The value.
        value: f64,
    },
    /// The day is not finite.
    #[error("line {line}: day is not a finite number")]
    BadDay {
        /// Input line.
        line: usize,
    },
    /// A mouse appears in two groups.
    #[error(
        "line {line}: mouse '{mouse}' is in group '{group}' but line {first_line} put it in group '{first_group}'"
    )]
    MouseInTwoGroups {
        /// Input line.
        line: usize,
        /// Mouse.
        mouse: String,
        /// Group on this line.
        group: String,
        /// Group seen first.
        first_group: String,
        /// Line where it was seen first.
        first_line: usize,
    },
    /// Two measurements of one mouse on one day.
    #[error(
        "line {line}: mouse '{mouse}' has a second measurement on day {day} (first on line {first_line})"
    )]
    DuplicateDay {
        /// Input line.
        line: usize,
        /// Mouse.
        mouse: String,
        /// Day.
        day: f64,
        /// Line of the first measurement.
        first_line: usize,
    },
    /// Length given without width or vice versa.
    #[error(
        "line {line}: {present} is given but {missing} is empty; give both caliper axes or a volume"
    )]
    HalfCaliper {
        /// Input line.
        line: usize,
        /// The axis given.
        present: &'static str,
        /// The axis missing.
        missing: &'static str,
    },
    /// Mouse or group is empty.
    #[error("line {line}: {what} is empty")]
    Empty {
        /// Input line.
        line: usize,
        /// `mouse` or `group`.
        what: &'static str,
    },
    /// No record at all.
    #[error("the table holds no measurement")]
    NoData,
}

/// One tumour measurement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    /// Day (rebased when asked).
    pub day: f64,
    /// Volume (mm³).
    pub volume: f64,
}

/// One body-weight measurement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Weight {
    /// Day (rebased when asked).
    pub day: f64,
    /// Body weight (g).
    pub weight: f64,
}

/// How and when a mouse left the study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exit {
    /// Mouse key.
    pub mouse: String,
    /// Group.
    pub group: String,
    /// Day of exit (for an unstated exit: the last day measured).
    pub day: f64,
    /// Stated reason, or `not measured after` when the series simply stops.
    pub reason: String,
    /// True when the reason was recorded in the input.
    pub stated: bool,
}

/// The measurements of one mouse, sorted by day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MouseSeries {
    /// Unique key (`mouse`, or `group_mouse` for wide invivoSyn tables).
    pub key: String,
    /// Mouse label as in the input.
    pub mouse: String,
    /// Group.
    pub group: String,
    /// Tumour volumes, ascending by day (missing measurements left out).
    pub points: Vec<Point>,
    /// Body weights, ascending by day.
    pub weights: Vec<Weight>,
    /// Stated exit (reason and day), if any.
    pub exit: Option<(f64, String)>,
}

impl MouseSeries {
    /// Baseline volume `V₀`: the first measurement.
    pub fn v0(&self) -> Option<f64> {
        self.points.first().map(|p| p.volume)
    }

    /// Volume measured on `day`.
    pub fn at(&self, day: f64) -> Option<f64> {
        self.points.iter().find(|p| p.day == day).map(|p| p.volume)
    }

    /// Days of the measurements.
    pub fn days(&self) -> Vec<f64> {
        self.points.iter().map(|p| p.day).collect()
    }

    /// Volumes of the measurements.
    pub fn volumes(&self) -> Vec<f64> {
        self.points.iter().map(|p| p.volume).collect()
    }
}

/// A validated study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Study {
    /// Groups in order of first appearance.
    pub groups: Vec<String>,
    /// Mice in order of first appearance.
    pub mice: Vec<MouseSeries>,
    /// Warnings (swapped axes), each naming its line.
    pub warnings: Vec<String>,
    /// Amount subtracted from the input days (0 unless rebased).
    pub day_offset: f64,
}

fn check(line: usize, what: &'static str, v: Option<f64>) -> Result<Option<f64>, StudyError> {
    match v {
        Some(x) if !(x.is_finite() && x >= 0.0) => Err(StudyError::BadValue {
            line,
            what,
            value: x,
        }),
        _ => Ok(v),
    }
}

impl Study {
    /// Validates `records` into a study (see the module docs for the rules).
    pub fn new(records: &[Record], opts: &StudyOptions) -> Result<Study, StudyError> {
        if records.is_empty() {
            return Err(StudyError::NoData);
        }
        let mut warnings = Vec::new();
        let mut offset = f64::INFINITY;
        for r in records {
            if !r.day.is_finite() {
                return Err(StudyError::BadDay { line: r.line });
            }
            offset = offset.min(r.day);
        }
        if !opts.rebase_days {
            offset = 0.0;
        }
        let mut groups: Vec<String> = Vec::new();
        let mut mice: Vec<MouseSeries> = Vec::new();
        let mut first_line: Vec<usize> = Vec::new();
        let mut index = std::collections::HashMap::<String, usize>::new();
        // (mouse index, day bits) → line of the first measurement
        let mut seen = std::collections::HashMap::<(usize, u64), usize>::new();
        for r in records {
            let line = r.line;
            if r.mouse.trim().is_empty() {
                return Err(StudyError::Empty {
                    line,
                    what: "mouse",
                });
            }
            if r.group.trim().is_empty() {
                return Err(StudyError::Empty {
                    line,
                    what: "group",
                });
            }
            let volume = check(line, "volume", r.volume)?;
            let mut length = check(line, "length", r.length)?;
            let mut width = check(line, "width", r.width)?;
            let bw = check(line, "body_weight", r.body_weight)?;
            let v = match (volume, length, width) {
                (Some(v), _, _) => Some(v),
                (None, Some(_), None) => {
                    return Err(StudyError::HalfCaliper {
                        line,
                        present: "length",
                        missing: "width",
                    });
                }
                (None, None, Some(_)) => {
                    return Err(StudyError::HalfCaliper {
                        line,
                        present: "width",
                        missing: "length",
                    });
                }
                (None, Some(l), Some(w)) => {
                    if w > l {
                        warnings.push(format!(
                            "line {line}: width {w} > length {l}; swapped (width is the shorter axis)"
                        ));
                        std::mem::swap(&mut length, &mut width);
                    }
                    Some(opts.formula.volume(length.unwrap_or(l), width.unwrap_or(w)))
                }
                (None, None, None) => None,
            };
            let key = if opts.key_includes_group {
                format!("{}_{}", r.group, r.mouse)
            } else {
                r.mouse.clone()
            };
            if !groups.contains(&r.group) {
                groups.push(r.group.clone());
            }
            let mi = match index.get(&key) {
                Some(&i) => {
                    if mice[i].group != r.group {
                        return Err(StudyError::MouseInTwoGroups {
                            line,
                            mouse: r.mouse.clone(),
                            group: r.group.clone(),
                            first_group: mice[i].group.clone(),
                            first_line: first_line[i],
                        });
                    }
                    i
                }
                None => {
                    index.insert(key.clone(), mice.len());
                    first_line.push(line);
                    mice.push(MouseSeries {
                        key,
                        mouse: r.mouse.clone(),
                        group: r.group.clone(),
                        points: Vec::new(),
                        weights: Vec::new(),
                        exit: None,
                    });
                    mice.len() - 1
                }
            };
            let day = r.day - offset;
            if v.is_some() || bw.is_some() {
                let k = (mi, day.to_bits());
                if let Some(&fl) = seen.get(&k) {
                    return Err(StudyError::DuplicateDay {
                        line,
                        mouse: r.mouse.clone(),
                        day: r.day,
                        first_line: fl,
                    });
                }
                seen.insert(k, line);
            }
            let m = &mut mice[mi];
            if let Some(v) = v {
                m.points.push(Point { day, volume: v });
            }
            if let Some(w) = bw {
                m.weights.push(Weight { day, weight: w });
            }
            if let Some(reason) = r.exit.as_ref().map(|s| s.trim()).filter(|s| !s.is_empty()) {
                m.exit = Some((day, reason.to_string()));
            }
        }
        for m in &mut mice {
            m.points.sort_by(|a, b| a.day.total_cmp(&b.day));
            m.weights.sort_by(|a, b| a.day.total_cmp(&b.day));
        }
        Ok(Study {
            groups,
            mice,
            warnings,
            day_offset: offset,
        })
    }

    /// Mice of `group`, in input order.
    pub fn group_mice<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a MouseSeries> + 'a {
        self.mice.iter().filter(move |m| m.group == group)
    }

    /// All distinct measurement days, ascending.
    pub fn days(&self) -> Vec<f64> {
        let mut d: Vec<f64> = self
            .mice
            .iter()
            .flat_map(|m| m.points.iter().map(|p| p.day))
            .collect();
        d.sort_by(f64::total_cmp);
        d.dedup();
        d
    }

    /// Last measurement day of the study.
    pub fn last_day(&self) -> Option<f64> {
        self.days().last().copied()
    }

    /// Mice that left the study: stated exits (reason as given) and series
    /// that stop before the last measurement day of their group ("not
    /// measured after"; a group whose follow-up ends as a whole is not a
    /// dropout), ordered as the mice.
    pub fn exits(&self) -> Vec<Exit> {
        let mut out = Vec::new();
        for m in &self.mice {
            let last = self
                .group_mice(&m.group)
                .filter_map(|x| x.points.last().map(|p| p.day))
                .reduce(f64::max);
            if let Some((day, reason)) = &m.exit {
                out.push(Exit {
                    mouse: m.key.clone(),
                    group: m.group.clone(),
                    day: *day,
                    reason: reason.clone(),
                    stated: true,
                });
            } else if let (Some(p), Some(l)) = (m.points.last(), last) {
                if p.day < l {
                    out.push(Exit {
                        mouse: m.key.clone(),
                        group: m.group.clone(),
                        day: p.day,
                        reason: "not measured after".into(),
                        stated: false,
                    });
                }
            }
        }
        out
    }

    /// The invivoSyn evaluation day: the last day at which at least
    /// `fraction` (0.8 in the invivoSyn vignette) of the mice of `control`
    /// still have a volume. `None` if the group is absent.
    pub fn evaluation_day(&self, control: &str, fraction: f64) -> Option<f64> {
        let ctrl: Vec<&MouseSeries> = self.group_mice(control).collect();
        if ctrl.is_empty() {
            return None;
        }
        let mut days: Vec<f64> = ctrl.iter().flat_map(|m| m.days()).collect();
        days.sort_by(f64::total_cmp);
        days.dedup();
        let need = fraction * ctrl.len() as f64;
        let measured = |d: f64| ctrl.iter().filter(|m| m.at(d).is_some()).count() as f64;
        days.into_iter().rfind(|&d| measured(d) >= need - 1e-9)
    }
}

/// Error of [`records_from_wide`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("wide table: {0}")]
pub struct WideError(pub String);

/// Records of a wide invivoSyn table `Treatment,Mouse,<day>,<day>…`: `days`
/// are the parsed day columns, each row is `(line, treatment, mouse, cells)`
/// with one optional volume per day. Mouse identity is `treatment + mouse`
/// (set [`StudyOptions::key_includes_group`]), days are rebased by the
/// caller's [`StudyOptions::rebase_days`].
pub fn records_from_wide(
    days: &[f64],
    rows: &[(usize, String, String, Vec<Option<f64>>)],
) -> Result<Vec<Record>, WideError> {
    let mut out = Vec::new();
    for (line, group, mouse, cells) in rows {
        if cells.len() != days.len() {
            return Err(WideError(format!(
                "line {line}: {} volumes for {} day columns",
                cells.len(),
                days.len()
            )));
        }
        for (d, v) in days.iter().zip(cells) {
            if v.is_some() {
                out.push(Record {
                    line: *line,
                    mouse: mouse.clone(),
                    group: group.clone(),
                    day: *d,
                    volume: *v,
                    ..Record::default()
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(line: usize, mouse: &str, group: &str, day: f64, l: f64, w: f64) -> Record {
        Record {
            line,
            mouse: mouse.into(),
            group: group.into(),
            day,
            length: Some(l),
            width: Some(w),
            ..Record::default()
        }
    }

    #[test]
    fn caliper_volume_swap_and_errors() {
        let r = vec![
            rec(2, "m1", "V", 0.0, 10.0, 8.0),
            rec(3, "m1", "V", 3.0, 8.0, 10.0),
        ];
        let s = Study::new(&r, &StudyOptions::default()).unwrap();
        assert_eq!(s.mice[0].points[0].volume, 320.0);
        assert_eq!(s.mice[0].points[1].volume, 320.0);
        assert!(s.warnings[0].starts_with("line 3"));
        let pi = StudyOptions {
            formula: VolumeFormula::Pi6,
            ..StudyOptions::default()
        };
        let s = Study::new(&r, &pi).unwrap();
        assert!((s.mice[0].points[0].volume - std::f64::consts::PI / 6.0 * 640.0).abs() < 1e-12);
        let e = Study::new(
            &[
                rec(2, "m1", "V", 0.0, 10.0, 8.0),
                rec(5, "m1", "T", 3.0, 8.0, 7.0),
            ],
            &pi,
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("line 5: mouse 'm1'"), "{e}");
        let e = Study::new(&[rec(2, "m1", "V", 0.0, -1.0, 8.0)], &pi).unwrap_err();
        assert!(e.to_string().starts_with("line 2: length is -1"), "{e}");
        let e = Study::new(
            &[
                rec(2, "m1", "V", 0.0, 1.0, 0.5),
                rec(4, "m1", "V", 0.0, 1.0, 0.5),
            ],
            &pi,
        )
        .unwrap_err();
        assert!(matches!(
            e,
            StudyError::DuplicateDay {
                line: 4,
                first_line: 2,
                ..
            }
        ));
    }

    #[test]
    fn exits_and_evaluation_day() {
        let mut r = Vec::new();
        for (i, m) in ["a", "b", "c", "d", "e"].iter().enumerate() {
            for d in 0..4 {
                if i == 0 && d == 3 {
                    continue; // a stops at day 2
                }
                if i == 1 && d >= 2 {
                    continue; // b stops at day 1
                }
                let mut x = rec(1 + 4 * i + d, m, "V", d as f64 + 5.0, 10.0, 5.0);
                if i == 1 && d == 1 {
                    x.exit = Some("ulceration".into());
                }
                r.push(x);
            }
        }
        let opts = StudyOptions {
            rebase_days: true,
            ..StudyOptions::default()
        };
        let s = Study::new(&r, &opts).unwrap();
        assert_eq!(s.days(), vec![0.0, 1.0, 2.0, 3.0]);
        // day 2: 4/5 = 80 % measured; day 3: 3/5.
        assert_eq!(s.evaluation_day("V", 0.8), Some(2.0));
        let ex = s.exits();
        assert_eq!(ex.len(), 2);
        assert_eq!(
            (ex[0].mouse.as_str(), ex[0].day, ex[0].stated),
            ("a", 2.0, false)
        );
        assert_eq!((ex[1].reason.as_str(), ex[1].day), ("ulceration", 1.0));
    }
}
