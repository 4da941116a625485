//! Reliability of `preclin analyze` on the example study (`preclin init`):
//!
//! - a process killed (SIGKILL) at eight points of a run leaves the store
//!   consistent — `PRAGMA integrity_check` ok, no incomplete run, every run
//!   present identical to the run of a never-killed analysis — and a clean
//!   analysis afterwards gives exactly the never-killed content;
//! - two analyses of one study at once into one store both succeed (the
//!   store's busy timeout serialises their imports; each has its own
//!   `--out`: two processes writing the same output files at once is not
//!   supported) and leave the content of a single run;
//! - two analyses with `SOURCE_DATE_EPOCH` fixed, by the same command line
//!   in two working folders, write byte-identical files and their stores
//!   export identically; into another output folder name the files differ
//!   only in the recorded command line (provenance).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use preclin_study::store::{Store, ValueFilter};

use crate::common::{TempDir, preclin};
use crate::init::EXPERIMENTS;

/// Everything stored about one run except its row id and time, as text.
type RunContent = String;

/// The runs of a store keyed by run key (inputs + options hash).
fn content(db: &Path) -> BTreeMap<String, RunContent> {
    let store = Store::open(db).expect("open store");
    let values = store
        .values(&ValueFilter {
            all_runs: true,
            ..ValueFilter::default()
        })
        .expect("values");
    let mut out = BTreeMap::new();
    for r in store.runs(None).expect("runs") {
        let mut s = format!(
            "{} {} {} {} obs={} results={} inputs={:?} seeds={:?}\n",
            r.study,
            r.experiment,
            r.kind,
            r.preclin_version,
            r.n_observations,
            r.n_results,
            r.inputs,
            r.seeds
        );
        for v in values.iter().filter(|v| v.run_id == r.id) {
            s.push_str(&format!(
                "{:?} {:?} {:?} {} {:?} {:?} {:?} {:?} {}\n",
                v.compound,
                v.cell_line,
                v.label,
                v.metric,
                v.value,
                v.ci_lower,
                v.ci_upper,
                v.unit,
                v.flags
            ));
        }
        for o in store.observations(r.id).expect("observations") {
            s.push_str(&format!(
                "{} {:?} {:?} {:?} {:?} {}\n",
                o.seq, o.file, o.line, o.compound, o.cell_line, o.data
            ));
        }
        assert!(
            out.insert(r.run_key.clone(), s).is_none(),
            "run key {} stored twice",
            r.run_key
        );
    }
    out
}

/// Opens the store and asserts it is sound: integrity ok, no run missing rows.
#[track_caller]
fn assert_consistent(db: &Path, when: &str) {
    let store = Store::open(db).unwrap_or_else(|e| panic!("{when}: open: {e}"));
    assert_eq!(
        store.integrity_check().expect("integrity_check"),
        vec!["ok".to_string()],
        "{when}"
    );
    assert!(
        store.incomplete_runs().expect("incomplete_runs").is_empty(),
        "{when}: incomplete runs"
    );
}

fn analyze_cmd(study: &Path, out: &Path, db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_preclin"));
    c.arg("analyze")
        .arg(study.join("study.toml"))
        .arg("--out")
        .arg(out)
        .arg("--db")
        .arg(db);
    c
}

/// Runs `preclin init DIR/study` and returns the study folder.
fn init(dir: &TempDir) -> PathBuf {
    let study = dir.join("study");
    preclin(["init", study.to_str().unwrap()]).ok();
    study
}

/// Spawns an analysis with piped stdout; returns the child and a reader of
/// its import lines (`<experiment>: N observations …`).
fn spawn(cmd: &mut Command) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn preclin");
    let out = BufReader::new(child.stdout.take().expect("stdout"));
    (child, out)
}

#[test]
fn sigkill_during_analyze_leaves_the_store_consistent() {
    let dir = TempDir::new("kill-analyze");
    let study = init(&dir);
    // a never-killed run: its content and its duration
    let clean_db = dir.join("clean.db");
    let t = Instant::now();
    let st = analyze_cmd(&study, &dir.join("clean"), &clean_db)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    let total = t.elapsed();
    assert!(st.success());
    let clean = content(&clean_db);
    assert_eq!(clean.len(), EXPERIMENTS);

    // Kill schedule: three kills at fixed fractions of the measured run time
    // (mostly while the engines run), and five right after the k-th import
    // was reported (k = 1, 3, 5, 7, 9: the next import is then under way).
    let db = dir.join("killed.db");
    let out = dir.join("killed");
    let mut killed_running = 0;
    let mut partial = 0;
    let schedule: Vec<(Option<f64>, usize)> = vec![
        (Some(0.25), 0),
        (Some(0.5), 0),
        (Some(0.75), 0),
        (None, 1),
        (None, 3),
        (None, 5),
        (None, 7),
        (None, 9),
    ];
    for (i, (fraction, after_imports)) in schedule.into_iter().enumerate() {
        // a fresh store each time for the line-triggered kills, so that the
        // number of runs present says where the kill landed
        if after_imports > 0 {
            for ext in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
            }
        }
        let (mut child, mut lines) = spawn(&mut analyze_cmd(&study, &out, &db));
        match fraction {
            Some(f) => std::thread::sleep(total.mul_f64(f)),
            None => {
                let mut seen = 0;
                let mut line = String::new();
                while seen < after_imports {
                    line.clear();
                    if lines.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    if line.contains(" observations, ") {
                        seen += 1;
                    }
                }
                assert_eq!(seen, after_imports, "kill {i}: the run ended early");
            }
        }
        if child.try_wait().unwrap().is_none() {
            killed_running += 1;
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let when = format!("after kill {i}");
        assert_consistent(&db, &when);
        let got = content(&db);
        // every run present is a complete copy of the never-killed run
        for (key, c) in &got {
            assert_eq!(Some(c), clean.get(key), "{when}: run {key} differs");
        }
        if after_imports > 0 {
            assert!(got.len() >= after_imports, "{when}: {} runs", got.len());
            if got.len() < EXPERIMENTS {
                partial += 1;
            }
        }
    }
    eprintln!("kills of a running analysis: {killed_running} of 8; partial stores: {partial}");
    assert!(
        killed_running >= 5,
        "only {killed_running} kills hit a running analysis"
    );
    // a clean analysis afterwards gives the never-killed content
    let st = analyze_cmd(&study, &out, &db)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    assert_consistent(&db, "after the clean re-run");
    assert_eq!(content(&db), clean);
}

#[test]
fn two_analyses_at_once_share_one_store() {
    let dir = TempDir::new("concurrent-analyze");
    let study = init(&dir);
    let single = dir.join("single.db");
    assert!(
        analyze_cmd(&study, &dir.join("single"), &single)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    );
    let db = dir.join("shared.db");
    let mut a = analyze_cmd(&study, &dir.join("a"), &db)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut b = analyze_cmd(&study, &dir.join("b"), &db)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    for c in [&mut a, &mut b] {
        while c.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "analysis hangs");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let (ra, rb) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    for r in [&ra, &rb] {
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    }
    assert_consistent(&db, "after two analyses at once");
    assert_eq!(content(&db), content(&single));
}

/// Every file under `root` (relative path → bytes), the store excluded.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                if !rel.starts_with("preclin.db") {
                    out.insert(rel, std::fs::read(&p).unwrap());
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

#[test]
fn outputs_are_byte_identical_with_source_date_epoch() {
    let dir = TempDir::new("bytes-analyze");
    let study = init(&dir);
    // Two working folders, the same command line in each (outputs record
    // the command, so the paths in it must read the same).
    let mut exports = Vec::new();
    let mut trees = Vec::new();
    for w in ["w1", "w2"] {
        let cwd = dir.join(w);
        std::fs::create_dir_all(&cwd).unwrap();
        let run = |args: &[&str]| {
            let o = Command::new(env!("CARGO_BIN_EXE_preclin"))
                .args(args)
                .current_dir(&cwd)
                .env("SOURCE_DATE_EPOCH", "1700000000")
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            o.stdout
        };
        let manifest = study.join("study.toml");
        let rel = Path::new("..").join(manifest.strip_prefix(dir.join("")).unwrap());
        run(&["analyze", rel.to_str().unwrap(), "--out", "out"]);
        let mut e = run(&["db", "--db", "out/preclin.db", "export"]);
        e.extend(run(&["db", "--db", "out/preclin.db", "list"]));
        for id in 1..=EXPERIMENTS {
            let id = id.to_string();
            e.extend(run(&[
                "db",
                "--db",
                "out/preclin.db",
                "export",
                "--observations",
                &id,
            ]));
        }
        assert!(
            String::from_utf8_lossy(&e).contains("2023-11-14T22:13:20Z"),
            "the run time is SOURCE_DATE_EPOCH"
        );
        exports.push(e);
        trees.push(tree(&cwd.join("out")));
    }
    assert!(trees[0].len() > 30, "{} files", trees[0].len());
    assert_eq!(
        trees[0].keys().collect::<Vec<_>>(),
        trees[1].keys().collect::<Vec<_>>()
    );
    for (f, bytes) in &trees[0] {
        assert!(&trees[1][f] == bytes, "{f} differs between the two runs");
    }
    assert!(exports[0] == exports[1], "the stores' exports differ");

    // Into another folder name the outputs differ only where they record
    // the command line (`# preclin …: analyze … --out out2`, JSON "command").
    let cwd = dir.join("w1");
    let rel = Path::new("..").join("study/study.toml");
    let o = Command::new(env!("CARGO_BIN_EXE_preclin"))
        .args(["analyze", rel.to_str().unwrap(), "--out", "out2"])
        .current_dir(&cwd)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(o.status.success());
    let other = tree(&cwd.join("out2"));
    assert_eq!(
        other.keys().collect::<Vec<_>>(),
        trees[0].keys().collect::<Vec<_>>()
    );
    let mut differing = 0;
    for (f, bytes) in &other {
        if bytes != &trees[0][f] {
            differing += 1;
            let text = String::from_utf8(bytes.clone()).expect("a differing file is text");
            let fixed = text.replace("--out out2", "--out out");
            assert!(
                fixed.as_bytes() == trees[0][f].as_slice(),
                "{f} differs beyond the recorded command line"
            );
        }
    }
    assert!(differing > 0, "the command line is recorded somewhere");
}
