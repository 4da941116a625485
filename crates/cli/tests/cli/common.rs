//! Helpers shared by the end-to-end tests: running the binary, temporary
//! directories, reading CSV output, numeric comparisons and synthetic input
//! tables.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The outcome of one run of the binary.
pub struct Run {
    /// Exit status.
    pub status: ExitStatus,
    /// Standard output (UTF-8).
    pub stdout: String,
    /// Standard error (UTF-8).
    pub stderr: String,
    /// The arguments, for failure messages.
    pub args: String,
}

impl Run {
    /// Asserts exit status 0 and returns self.
    #[track_caller]
    pub fn ok(self) -> Run {
        assert!(
            self.status.success(),
            "preclin {} failed with {}:\n{}",
            self.args,
            self.status,
            self.stderr
        );
        self
    }

    /// Asserts exit status 2 (a user error) and returns the standard error.
    #[track_caller]
    pub fn user_error(self) -> String {
        assert_eq!(
            self.status.code(),
            Some(2),
            "preclin {} should fail with status 2; stdout:\n{}\nstderr:\n{}",
            self.args,
            self.stdout,
            self.stderr
        );
        assert!(
            self.stderr.starts_with("error: "),
            "preclin {}: stderr should start with 'error: ': {}",
            self.args,
            self.stderr
        );
        self.stderr
    }
}

/// Runs `preclin ARGS` and asserts that it did not panic.
#[track_caller]
pub fn preclin<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let shown = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let out = Command::new(env!("CARGO_BIN_EXE_preclin"))
        .args(&args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run preclin {shown}: {e}"));
    let run = Run {
        status: out.status,
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        args: shown,
    };
    assert!(
        !run.stderr.contains("panicked"),
        "preclin {} panicked:\n{}",
        run.args,
        run.stderr
    );
    // A panic exits with status 101; a signal has no code.
    assert!(
        matches!(run.status.code(), Some(0 | 2)),
        "preclin {}: unexpected exit status {}:\n{}",
        run.args,
        run.status,
        run.stderr
    );
    run
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh directory under the system temporary directory, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates `preclin-cli-<pid>-<n>-<tag>` in the temporary directory.
    pub fn new(tag: &str) -> TempDir {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let p =
            std::env::temp_dir().join(format!("preclin-cli-test-{}-{n}-{tag}", std::process::id()));
        if p.exists() {
            std::fs::remove_dir_all(&p).expect("remove stale temporary directory");
        }
        std::fs::create_dir_all(&p).expect("create temporary directory");
        TempDir(p)
    }

    /// A path inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes `contents` to `name` inside the directory and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.join(name);
        std::fs::write(&p, contents).expect("write test input");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A test fixture in `crates/cli/tests/data`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The bundled example study, `examples/demo` at the repository root.
pub fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo")
}

/// Reads a file written by the binary.
#[track_caller]
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A CSV table: header and rows of cells (`#` comment lines skipped).
#[derive(Debug, Clone, PartialEq)]
pub struct Csv {
    /// Column names.
    pub header: Vec<String>,
    /// Data rows.
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    /// Parses CSV text, skipping lines that start with `#`.
    #[track_caller]
    pub fn parse(text: &str) -> Csv {
        let mut rdr = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .from_reader(text.as_bytes());
        let header = rdr
            .headers()
            .expect("CSV header")
            .iter()
            .map(String::from)
            .collect();
        let rows = rdr
            .records()
            .map(|r| r.expect("CSV row").iter().map(String::from).collect())
            .collect();
        Csv { header, rows }
    }

    /// Reads and parses a CSV file.
    #[track_caller]
    pub fn read(path: &Path) -> Csv {
        Csv::parse(&read(path))
    }

    /// Index of column `name`.
    #[track_caller]
    pub fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column '{name}' in {:?}", self.header))
    }

    /// True when the table has column `name`.
    pub fn has(&self, name: &str) -> bool {
        self.header.iter().any(|h| h == name)
    }

    /// Cell `name` of row `row`.
    #[track_caller]
    pub fn cell(&self, row: usize, name: &str) -> &str {
        &self.rows[row][self.col(name)]
    }

    /// Cell `name` of row `row` as a number.
    #[track_caller]
    pub fn num(&self, row: usize, name: &str) -> f64 {
        let c = self.cell(row, name);
        c.parse()
            .unwrap_or_else(|_| panic!("row {row}, column '{name}': '{c}' is not a number"))
    }

    /// Index of the first row whose cells `cols` equal `values`.
    #[track_caller]
    pub fn find(&self, cols: &[&str], values: &[&str]) -> usize {
        let idx: Vec<usize> = cols.iter().map(|c| self.col(c)).collect();
        self.rows
            .iter()
            .position(|r| idx.iter().zip(values).all(|(&i, v)| r[i] == *v))
            .unwrap_or_else(|| panic!("no row with {cols:?} = {values:?}"))
    }

    /// Asserts that no cell spells a non-finite number (`NaN`, `inf`, …):
    /// values that do not exist must be empty cells. Columns in `except` are
    /// not checked.
    #[track_caller]
    pub fn assert_no_non_finite(&self, what: &str, except: &[&str]) {
        for (i, r) in self.rows.iter().enumerate() {
            for (h, c) in self.header.iter().zip(r) {
                if except.contains(&h.as_str()) {
                    continue;
                }
                let l = c.trim().to_ascii_lowercase();
                let l = l.trim_start_matches(['+', '-']);
                assert!(
                    !matches!(l, "nan" | "inf" | "infinity"),
                    "{what}: row {i}, column '{h}' holds '{c}'; a missing value must be an empty cell"
                );
            }
        }
    }
}

/// Asserts |actual − expected| ≤ tol·|expected|.
#[track_caller]
pub fn assert_rel(actual: f64, expected: f64, tol: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= tol * expected.abs(),
        "{what}: {actual} differs from {expected} by more than {tol} (relative)"
    );
}

/// Asserts |actual − expected| ≤ tol.
#[track_caller]
pub fn assert_abs(actual: f64, expected: f64, tol: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= tol,
        "{what}: {actual} differs from {expected} by more than {tol}"
    );
}

/// One observation of a synthetic tidy table.
#[derive(Debug, Clone)]
pub struct Obs {
    /// Group cells (e.g. compound, cell line, replicate), in column order.
    pub keys: Vec<String>,
    /// Dose.
    pub dose: f64,
    /// Response.
    pub response: f64,
}

/// drc's LL.4: `c + (d − c) / (1 + (x/e)^b)`.
pub fn ll4(x: f64, b: f64, c: f64, d: f64, e: f64) -> f64 {
    c + (d - c) / (1.0 + (x / e).powf(b))
}

/// Nine doses: vehicle and eight 3-fold dilutions from 10 000 (nM).
pub fn doses() -> Vec<f64> {
    let mut d = vec![0.0];
    d.extend((0..8).map(|k| 10_000.0 / 3f64.powi(k)));
    d
}

/// A deterministic "noise" in [−1, 1] from an index (no RNG needed).
pub fn jitter(i: usize) -> f64 {
    ((i * 7919 + 13) % 101) as f64 / 50.0 - 1.0
}

/// Observations of a falling LL.4 curve (top 100, bottom 5, hill 1.2) with
/// EC50 `ec50`, `reps` replicates per dose and ±3 % noise; `keys` are the
/// leading group cells, and a replicate id `r<k>` is appended when
/// `with_replicate`. `salt` varies the noise between curves.
pub fn curve_obs(
    keys: &[&str],
    ec50: f64,
    reps: usize,
    with_replicate: bool,
    salt: usize,
) -> Vec<Obs> {
    let mut v = Vec::new();
    for (j, &dose) in doses().iter().enumerate() {
        for r in 0..reps {
            let mut k: Vec<String> = keys.iter().map(|s| s.to_string()).collect();
            if with_replicate {
                k.push(format!("r{}", r + 1));
            }
            let y = ll4(dose, 1.2, 5.0, 100.0, ec50) + 3.0 * jitter(salt * 1000 + j * 10 + r);
            // Four decimals, so that CSV and XLSX hold the same doubles.
            let y: f64 = format!("{y:.4}").parse().expect("number");
            v.push(Obs {
                keys: k,
                dose,
                response: y,
            });
        }
    }
    v
}

/// Writes observations as CSV with columns `key_cols…, dose, response`.
pub fn obs_csv(key_cols: &[&str], obs: &[Obs]) -> String {
    let mut s = key_cols.join(",");
    s.push_str(",dose,response\n");
    for o in obs {
        for k in &o.keys {
            s.push_str(k);
            s.push(',');
        }
        s.push_str(&format!("{},{}\n", o.dose, o.response));
    }
    s
}

/// A cell of a test workbook.
pub enum XCell {
    /// A text cell.
    Text(String),
    /// A number cell.
    Num(f64),
}

/// Writes a workbook whose first sheet holds `header` (text) and `rows`.
pub fn write_xlsx(path: &Path, header: &[&str], rows: &[Vec<XCell>]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("xlsx header");
    }
    for (i, r) in rows.iter().enumerate() {
        for (c, cell) in r.iter().enumerate() {
            let (row, col) = (i as u32 + 1, c as u16);
            match cell {
                XCell::Text(t) => ws.write_string(row, col, t),
                XCell::Num(x) => ws.write_number(row, col, *x),
            }
            .expect("xlsx cell");
        }
    }
    wb.save(path).expect("save xlsx");
}

/// Writes observations as an XLSX workbook (first sheet) with the same
/// columns as [`obs_csv`]; group cells as text, doses and responses as
/// numbers.
pub fn obs_xlsx(path: &Path, key_cols: &[&str], obs: &[Obs]) {
    let header: Vec<&str> = key_cols
        .iter()
        .copied()
        .chain(["dose", "response"])
        .collect();
    let rows: Vec<Vec<XCell>> = obs
        .iter()
        .map(|o| {
            o.keys
                .iter()
                .map(|k| XCell::Text(k.clone()))
                .chain([XCell::Num(o.dose), XCell::Num(o.response)])
                .collect()
        })
        .collect();
    write_xlsx(path, &header, &rows);
}
