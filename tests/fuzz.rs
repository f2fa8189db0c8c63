//! Fuzz targets, one per parser, runnable on stable Rust: a seeded mutation loop
//! (`gpuplan::domain::rng::SplitMix64`) over a seed corpus taken from the repository's own
//! inputs (`tests/fixtures`, `tests/malformed`, `scenarios/`, `models/`, the golden plans),
//! each mutated input run through the compiled binary. Every input must end with
//!
//! - exit code 0 or 2 (1 is a runtime failure, 101 a panic: both are findings);
//! - within the time bound (`GPUPLAN_FUZZ_TIMEOUT`, default 60 s per command: a hang);
//! - on exit 2: one line on stderr starting `error: `, nothing on stdout, no output file;
//! - on exit 0 with an output: the output reads back (a plan through `evaluate`, the files
//!   of `ingest focus` through `validate`).
//!
//! Targets: `demand`, `workloads`, `scenario`, `commitments`, `catalog_gpus`,
//! `catalog_offerings`, `catalog_offers`, `plan_json`, `focus_csv`, `focus_gzip`. Inputs
//! that validate are also planned (`plan --out`, a few per second at most), so the model,
//! solver statuses and writer see them too.
//!
//! CI runs each target for `GPUPLAN_FUZZ_SECONDS` (default 2) seconds. A long run of one
//! target (see `docs/fuzzing.md`):
//!
//! ```sh
//! GPUPLAN_FUZZ_SECONDS=600 cargo test --release --test fuzz focus_csv -- --nocapture
//! ```
//!
//! `GPUPLAN_FUZZ_SEED` picks the mutation stream (default 1); `GPUPLAN_FUZZ_BIN` runs another
//! gpuplan binary (a frozen copy for a long run); `GPUPLAN_FUZZ_VERBOSE=1` prints every
//! rejection. A failing input is saved under
//! `target/fuzz-failures/` and named in the panic message with the command that failed.

use gpuplan::domain::rng::SplitMix64;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The binary under test: this build's, or `GPUPLAN_FUZZ_BIN` (a frozen copy, so a long run
/// is not disturbed by rebuilds).
fn bin() -> String {
    std::env::var("GPUPLAN_FUZZ_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_gpuplan").to_string())
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------
// Seed corpus.

/// Every file under `dir` (recursively) whose name ends with one of `suffixes`.
fn files_under(dir: &Path, suffixes: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            files_under(&p, suffixes, out);
        } else if p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| suffixes.iter().any(|s| n.ends_with(s)))
        {
            out.push(p);
        }
    }
}

/// The seed inputs of a target: files of the repository, capped at `max_bytes` each (a
/// long file is cut at a line end: the mutations matter, not the length).
fn seeds(dirs: &[&str], suffixes: &[&str], max_bytes: usize) -> Vec<Vec<u8>> {
    let mut paths = Vec::new();
    for d in dirs {
        let p = root().join(d);
        if p.is_file() {
            paths.push(p);
        } else {
            files_under(&p, suffixes, &mut paths);
        }
    }
    let mut out: Vec<Vec<u8>> = paths
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .map(|mut b| {
            if b.len() > max_bytes {
                let cut = b[..max_bytes]
                    .iter()
                    .rposition(|&c| c == b'\n')
                    .map_or(max_bytes, |i| i + 1);
                b.truncate(cut);
            }
            b
        })
        .collect();
    out.sort();
    out.dedup();
    assert!(!out.is_empty(), "no seed files in {dirs:?}");
    out
}

/// Scenario seeds point at their own data; the fuzz case has its inputs beside the scenario.
fn local_paths(scenario: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(scenario);
    text.lines()
        .map(|l| {
            let key = l.split('=').next().unwrap_or("").trim();
            match key {
                "demand" => "demand = \"demand.csv\"".to_string(),
                "workloads" => "workloads = \"workloads.toml\"".to_string(),
                "commitments" => "commitments = \"commitments.csv\"".to_string(),
                "catalog" => String::new(),
                _ => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes()
}

// ---------------------------------------------------------------------------------------
// Mutations.

/// Tokens that break parsers and bounds: magnitudes, non-numbers, separators, quotes, a
/// BOM, dates out of range, TOML headers.
const TOKENS: &[&str] = &[
    "1e308",
    "1e300",
    "-1e300",
    "5e-324",
    "1e-320",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "-1",
    "-0",
    "0",
    "0.0",
    "99999999999999999999",
    "18446744073709551616",
    "4294967296",
    "2147483648",
    "1e16",
    "1",
    "2.5",
    "12",
    "36",
    "100",
    "1000",
    "1000000",
    "1000001",
    "0.000001",
    "0.0000001",
    "0.5",
    "1.5",
    "\n",
    "\r\n",
    "\r",
    ",",
    ",,",
    "\"",
    "'",
    "\\",
    "=",
    "[",
    "]",
    "[x]\n",
    "[[a]]\n",
    "{",
    "}",
    "\u{feff}",
    "\u{0}",
    "\u{7f}",
    "é",
    "\u{202e}",
    "  ",
    "\t",
    "#",
    "\"\\n\"",
    "2026-13-45T25:00:00Z",
    "9999-12-31T23:00:00Z",
    "0001-01-01T00:00:00Z",
    "-262144-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "2026-01-01",
    "T00:00:00+14:00",
    "true",
    "null",
    "[]",
    "{}",
];

fn pick<'a, T>(rng: &mut SplitMix64, v: &'a [T]) -> &'a T {
    &v[(rng.next_u64() % v.len() as u64) as usize]
}

fn below(rng: &mut SplitMix64, n: usize) -> usize {
    if n == 0 {
        0
    } else {
        (rng.next_u64() % n as u64) as usize
    }
}

/// Line starts (byte offsets) of a buffer.
fn line_starts(b: &[u8]) -> Vec<usize> {
    std::iter::once(0)
        .chain(
            b.iter()
                .enumerate()
                .filter(|(_, &c)| c == b'\n')
                .map(|(i, _)| i + 1),
        )
        .filter(|&i| i < b.len())
        .collect()
}

/// One line's byte range (with its newline).
fn line_at(b: &[u8], starts: &[usize], i: usize) -> std::ops::Range<usize> {
    let s = starts[i];
    let e = starts.get(i + 1).copied().unwrap_or(b.len());
    s..e
}

/// Applies one random mutation to `input`; `others` are the target's seeds (for splices).
fn mutate_once(rng: &mut SplitMix64, input: &mut Vec<u8>, others: &[Vec<u8>]) {
    let n = input.len();
    match rng.next_u64() % 13 {
        0 if n > 0 => {
            let i = below(rng, n);
            input[i] ^= 1 << (rng.next_u64() % 8);
        }
        1 if n > 0 => {
            let i = below(rng, n);
            input[i] = *pick(
                rng,
                &[
                    0u8, 0xff, b'\n', b'\r', b',', b'"', b'=', b'[', b']', b'-', b'.', b'e', b'9',
                    0x80, 0xc3, b' ', b'0',
                ],
            );
        }
        2 => {
            let i = below(rng, n + 1);
            let t = pick(rng, TOKENS).as_bytes();
            input.splice(i..i, t.iter().copied());
        }
        3 | 4 => {
            // A number replaced by a token: where magnitude bugs live.
            let digits: Vec<usize> = (0..n).filter(|&i| input[i].is_ascii_digit()).collect();
            if digits.is_empty() {
                return;
            }
            let mut s = *pick(rng, &digits);
            let mut e = s;
            let num = |c: u8| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'-' | b'+');
            while s > 0 && num(input[s - 1]) {
                s -= 1;
            }
            while e < n && num(input[e]) {
                e += 1;
            }
            let t = pick(rng, TOKENS).as_bytes();
            input.splice(s..e, t.iter().copied());
        }
        5 if n > 0 => input.truncate(below(rng, n)),
        6 if n > 0 => {
            let s = below(rng, n);
            let e = (s + 1 + below(rng, 64)).min(n);
            input.drain(s..e);
        }
        7..=9 => {
            let starts = line_starts(input);
            if starts.is_empty() {
                return;
            }
            let a = line_at(input, &starts, below(rng, starts.len()));
            let line: Vec<u8> = input[a.clone()].to_vec();
            match rng.next_u64() % 3 {
                0 => {
                    let at = starts[below(rng, starts.len())];
                    input.splice(at..at, line);
                }
                1 => {
                    input.drain(a);
                }
                _ => {
                    let b = line_at(input, &starts, below(rng, starts.len()));
                    if b.start > a.end {
                        let other: Vec<u8> = input[b.clone()].to_vec();
                        input.splice(b, line);
                        input.splice(a, other);
                    }
                }
            }
        }
        10 => {
            // Splice: the tail from another seed.
            let o = pick(rng, others);
            let i = below(rng, n + 1);
            let j = below(rng, o.len() + 1);
            input.truncate(i);
            input.extend_from_slice(&o[j..]);
        }
        11 => {
            let o = pick(rng, others);
            if o.is_empty() {
                return;
            }
            let j = below(rng, o.len());
            let k = (j + 1 + below(rng, 128)).min(o.len());
            let i = below(rng, n + 1);
            input.splice(i..i, o[j..k].iter().copied());
        }
        12 if rng.next_u64() % 8 == 0 => {
            // A very long run (1 MB lines were handled once; keep checking).
            let i = below(rng, n + 1);
            let c = *pick(rng, b"9a, ");
            input.splice(i..i, std::iter::repeat_n(c, 200_000));
        }
        _ => {}
    }
}

/// A mutated copy of a random seed: one to four mutations.
fn mutant(rng: &mut SplitMix64, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut input = pick(rng, seeds).clone();
    // Mostly one mutation: deeper code sees inputs that are almost valid.
    let n = match rng.next_u64() % 20 {
        0..=11 => 1,
        12..=16 => 2,
        _ => 3 + below(rng, 2),
    };
    for _ in 0..n {
        mutate_once(rng, &mut input, seeds);
    }
    input
}

// ---------------------------------------------------------------------------------------
// Running the binary.

/// What one command did.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    args: String,
}

fn timeout() -> Duration {
    Duration::from_secs(env_u64("GPUPLAN_FUZZ_TIMEOUT", 60))
}

/// Runs the binary in `dir` with its output in files (a long error line must not fill a
/// pipe), killing it (by its own handle) after the time bound.
fn run(dir: &Path, args: &[&str]) -> Result<Ran, String> {
    let out_path = dir.join(".stdout");
    let err_path = dir.join(".stderr");
    let (out, err) = (
        File::create(&out_path).map_err(|e| e.to_string())?,
        File::create(&err_path).map_err(|e| e.to_string())?,
    );
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("GPUPLAN_HIGHS_OPTIONS")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", bin()))?;
    let start = Instant::now();
    let mut pause = Duration::from_micros(200);
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if start.elapsed() > timeout() {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "hang: `gpuplan {}` still running after {:?}",
                args.join(" "),
                timeout()
            ));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    Ok(Ran {
        code: status.code(),
        stdout: read(&out_path),
        stderr: read(&err_path),
        args: args.join(" "),
    })
}

/// The checks every command's end must pass; `outputs` are the files it may write, which
/// must not exist after a failure.
fn check(r: &Ran, outputs: &[&Path]) -> Result<(), String> {
    let short = |s: &str| s.chars().take(600).collect::<String>();
    match r.code {
        Some(0) => Ok(()),
        Some(2) => {
            let one_line = r.stderr.ends_with('\n') && r.stderr.matches('\n').count() == 1;
            if !one_line || !r.stderr.starts_with("error: ") {
                return Err(format!(
                    "`gpuplan {}`: exit 2 without a one-line `error: ` message: {:?}",
                    r.args,
                    short(&r.stderr)
                ));
            }
            if !r.stdout.is_empty() {
                return Err(format!(
                    "`gpuplan {}`: exit 2 but stdout is not empty",
                    r.args
                ));
            }
            if let Some(p) = outputs.iter().find(|p| p.exists()) {
                return Err(format!(
                    "`gpuplan {}`: exit 2 but the output {} exists",
                    r.args,
                    p.display()
                ));
            }
            Ok(())
        }
        other => Err(format!(
            "`gpuplan {}`: exit code {other:?} (only 0 or 2 allowed): {:?}",
            r.args,
            short(&r.stderr)
        )),
    }
}

// ---------------------------------------------------------------------------------------
// The case directory and the targets.

/// Which file of the case the mutated bytes replace, and how it is exercised.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Demand,
    Workloads,
    Scenario,
    Commitments,
    CatalogFile(&'static str),
    PlanJson,
    Focus { gzip: bool },
}

/// Counts of one fuzz run.
#[derive(Default)]
struct Tally {
    inputs: u64,
    accepted: u64,
    rejected: u64,
    planned: u64,
}

/// Writes the base case every target mutates one file of: the tiny fixture's inputs, with
/// a scenario and workloads file that accept any workload name and window for the demand
/// target (its seeds have other workloads and hours than the fixture).
fn write_base(dir: &Path, kind: Kind) {
    let tiny = root().join("tests/fixtures/tiny");
    for f in [
        "demand.csv",
        "workloads.toml",
        "commitments.csv",
        "scenario.toml",
    ] {
        std::fs::copy(tiny.join(f), dir.join(f)).expect("copy the tiny fixture");
    }
    let lenient =
        "demand = \"demand.csv\"\nworkloads = \"workloads.toml\"\n\n[solver]\nthreads = 1\n";
    if matches!(kind, Kind::Demand | Kind::Workloads) {
        std::fs::write(dir.join("scenario.toml"), lenient).expect("write");
    }
    if kind == Kind::Demand {
        std::fs::write(
            dir.join("workloads.toml"),
            "[defaults]\ncurrent_gpu = \"H100\"\n",
        )
        .expect("write");
    }
    let _ = std::fs::remove_dir_all(dir.join("catalog"));
    let _ = std::fs::remove_dir_all(dir.join("out"));
    let _ = std::fs::remove_file(dir.join("plan.json"));
}

/// Whether planning a validated case is cheap enough to do inside the fuzz loop: a replay
/// (forecast scenarios make a run seconds long), at most a few thousand hours.
fn cheap_to_plan(dir: &Path, catalog: Option<&Path>) -> bool {
    match gpuplan::ingest::inputs::Inputs::load(&dir.join("scenario.toml"), catalog) {
        Ok(inp) => {
            inp.scenario.forecast_scenarios <= 1
                && inp.window.hours() <= 2_000
                && inp.workloads.len() <= 20
                && inp.scenario.solver.threads <= 2
        }
        Err(_) => false,
    }
}

/// True when a written plan document carries no plan (no placement, no purchase): the
/// result of an infeasible or unsolved scenario.
fn holds_no_plan(text: &str) -> bool {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return false;
    };
    let empty = |k: &str| v[k].as_array().is_some_and(|a| a.is_empty());
    empty("placements") && empty("purchases")
}

/// Plans a validated case: exit 0 or 2; a written plan reads back through `evaluate`.
fn plan_and_read_back(dir: &Path, catalog: bool) -> Result<(), String> {
    let plan = dir.join("plan.json");
    let _ = std::fs::remove_file(&plan);
    let mut args = vec![
        "plan",
        "scenario.toml",
        "--out",
        "plan.json",
        "--resolution",
        "24",
        "--time-limit",
        "20",
        "--reproducible",
    ];
    if catalog {
        args.extend(["--catalog", "catalog"]);
    }
    let r = run(dir, &args)?;
    check(&r, &[&plan])?;
    if r.code != Some(0) {
        return Ok(());
    }
    if !plan.exists() {
        return Err("plan exited 0 without writing plan.json".into());
    }
    let text = std::fs::read_to_string(&plan).map_err(|e| e.to_string())?;
    let mut ev = vec!["evaluate", "--plan", "plan.json", "--demand", "demand.csv"];
    if catalog {
        ev.extend(["--catalog", "catalog"]);
    }
    let r = run(dir, &ev)?;
    if holds_no_plan(&text) {
        // An infeasible (or unsolved) result is written with its explanation and no plan:
        // `evaluate` must refuse it in one line that says so (docs/plan-json.md).
        if r.code == Some(2) && r.stderr.contains("holds no plan to re-price") {
            return Ok(());
        }
        return Err(format!(
            "a plan document without a plan was not refused as such: `gpuplan {}` exit {:?}: {}\n{text}",
            r.args, r.code, r.stderr
        ));
    }
    if r.code != Some(0) {
        return Err(format!(
            "a plan gpuplan wrote does not read back: `gpuplan {}` exit {:?}: {}\n{text}",
            r.args, r.code, r.stderr
        ));
    }
    Ok(())
}

/// Runs one mutated input of a target in `dir`.
fn exercise(dir: &Path, kind: Kind, input: &[u8], tally: &mut Tally) -> Result<(), String> {
    write_base(dir, kind);
    let write = |name: &str, bytes: &[u8]| -> Result<(), String> {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(p, bytes).map_err(|e| e.to_string())
    };
    match kind {
        Kind::Demand => write("demand.csv", input)?,
        Kind::Workloads => write("workloads.toml", input)?,
        Kind::Scenario => write("scenario.toml", &local_paths(input))?,
        Kind::Commitments => write("commitments.csv", input)?,
        Kind::CatalogFile(name) => write(&format!("catalog/{name}"), input)?,
        Kind::PlanJson => write("plan.json", input)?,
        Kind::Focus { gzip } => {
            let name = if gzip { "export.csv.gz" } else { "export.csv" };
            write(name, input)?;
        }
    }
    match kind {
        Kind::PlanJson => {
            let r = run(
                dir,
                &[
                    "evaluate",
                    "--plan",
                    "plan.json",
                    "--demand",
                    "demand.csv",
                    "--format",
                    "json",
                ],
            )?;
            check(&r, &[])?;
            count(tally, &r);
        }
        Kind::Focus { gzip } => focus(dir, gzip, tally)?,
        _ => {
            let catalog = matches!(kind, Kind::CatalogFile(_));
            let mut args = vec!["validate", "scenario.toml"];
            if catalog {
                args.extend(["--catalog", "catalog"]);
            }
            let r = run(dir, &args)?;
            check(&r, &[])?;
            count(tally, &r);
            // Plan at most every fourth accepted input: the parsers are the target.
            if r.code == Some(0) && tally.accepted % 4 == 1 {
                let cat = catalog.then(|| dir.join("catalog"));
                if cheap_to_plan(dir, cat.as_deref()) {
                    plan_and_read_back(dir, catalog)?;
                    tally.planned += 1;
                }
            }
        }
    }
    Ok(())
}

fn count(tally: &mut Tally, r: &Ran) {
    if r.code == Some(0) {
        tally.accepted += 1;
    } else {
        tally.rejected += 1;
        // `GPUPLAN_FUZZ_VERBOSE=1`: every rejection's message (to see what the inputs hit).
        if std::env::var_os("GPUPLAN_FUZZ_VERBOSE").is_some() {
            print!("rejected: {}", r.stderr);
        }
    }
}

/// `ingest focus` on a mutated export: exit 0 or 2; nothing written on failure; what it
/// writes validates as a scenario's inputs.
fn focus(dir: &Path, gzip: bool, tally: &mut Tally) -> Result<(), String> {
    let name = if gzip { "export.csv.gz" } else { "export.csv" };
    let out = dir.join("out");
    let r = run(dir, &["ingest", "focus", name, "--out", "out"])?;
    let written = [
        "demand.csv",
        "commitments.csv",
        "workloads.toml",
        "scenario.toml",
    ]
    .map(|f| out.join(f));
    let refs: Vec<&Path> = written.iter().map(PathBuf::as_path).collect();
    check(&r, &refs)?;
    count(tally, &r);
    if r.code != Some(0) {
        return Ok(());
    }
    // The scenario `ingest focus` writes beside its files (older builds wrote none).
    if !out.join("scenario.toml").exists() {
        let mut scenario =
            String::from("demand = \"demand.csv\"\nworkloads = \"workloads.toml\"\n");
        if out.join("commitments.csv").exists() {
            scenario.push_str("commitments = \"commitments.csv\"\n");
        }
        std::fs::write(out.join("scenario.toml"), scenario).map_err(|e| e.to_string())?;
    }
    let v = run(&out, &["validate", "scenario.toml"])?;
    if v.code != Some(0) {
        return Err(format!(
            "the files `ingest focus` wrote do not validate: {}",
            v.stderr.trim_end()
        ));
    }
    Ok(())
}

/// gzip of a buffer.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = e.write_all(bytes);
    e.finish().unwrap_or_default()
}

/// Runs a target for `GPUPLAN_FUZZ_SECONDS` and panics with the saved input on the first
/// finding.
fn fuzz(name: &str, kind: Kind, seeds: Vec<Vec<u8>>) {
    let seconds = env_u64("GPUPLAN_FUZZ_SECONDS", 2);
    let seed = env_u64("GPUPLAN_FUZZ_SEED", 1);
    // One stream per target, so targets do not repeat each other's mutations.
    let mut rng = SplitMix64::new(
        seed ^ name
            .bytes()
            .fold(0u64, |h, b| h.rotate_left(5) ^ u64::from(b)),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tally = Tally::default();
    while Instant::now() < deadline {
        let mut input = mutant(&mut rng, &seeds);
        if let Kind::Focus { gzip: true } = kind {
            input = gzip(&input);
            // Half the time the compressed stream itself is damaged.
            if rng.next_u64() % 2 == 0 {
                mutate_once(&mut rng, &mut input, &seeds);
            }
        }
        tally.inputs += 1;
        if let Err(problem) = exercise(dir.path(), kind, &input, &mut tally) {
            let saved = root()
                .join("target/fuzz-failures")
                .join(format!("{name}-seed{seed}-{}.bin", tally.inputs));
            let _ = std::fs::create_dir_all(saved.parent().unwrap_or(Path::new(".")));
            let _ = std::fs::write(&saved, &input);
            panic!(
                "fuzz {name}: input {} (GPUPLAN_FUZZ_SEED={seed}) failed: {problem}\ninput saved to {}",
                tally.inputs,
                saved.display()
            );
        }
    }
    println!(
        "fuzz {name}: {} inputs in {seconds} s (seed {seed}): {} accepted, {} rejected with exit 2, {} planned",
        tally.inputs, tally.accepted, tally.rejected, tally.planned
    );
    assert!(tally.inputs > 0, "fuzz {name}: no input ran");
}

#[test]
fn demand() {
    let s = seeds(
        &[
            "tests/fixtures/tiny/demand.csv",
            "tests/malformed",
            "scenarios/data/synthetic_fleet/demand.csv",
        ],
        &["demand.csv"],
        8_000,
    );
    fuzz("demand", Kind::Demand, s);
}

#[test]
fn workloads() {
    let s = seeds(
        &["tests/fixtures/tiny", "tests/malformed", "scenarios/data"],
        &["workloads.toml"],
        8_000,
    );
    fuzz("workloads", Kind::Workloads, s);
}

#[test]
fn scenario() {
    let s: Vec<Vec<u8>> = seeds(
        &[
            "tests/fixtures/tiny",
            "tests/malformed",
            "scenarios",
            "tests/fixtures/golden_inputs",
        ],
        &[".toml"],
        8_000,
    )
    .into_iter()
    .filter(|b| b.windows(6).any(|w| w == b"demand"))
    .collect();
    fuzz("scenario", Kind::Scenario, s);
}

#[test]
fn commitments() {
    let s = seeds(
        &["tests/fixtures/tiny", "tests/malformed"],
        &["commitments.csv"],
        8_000,
    );
    fuzz("commitments", Kind::Commitments, s);
}

#[test]
fn catalog_gpus() {
    let s = seeds(
        &["models/gpus.csv", "tests/malformed"],
        &["gpus.csv"],
        8_000,
    );
    fuzz("catalog_gpus", Kind::CatalogFile("gpus.csv"), s);
}

#[test]
fn catalog_offerings() {
    let s = seeds(
        &["models/offerings.csv", "tests/malformed"],
        &["offerings.csv"],
        6_000,
    );
    fuzz("catalog_offerings", Kind::CatalogFile("offerings.csv"), s);
}

#[test]
fn catalog_offers() {
    let s = seeds(
        &["models/commitment_offers.csv", "tests/malformed"],
        &["commitment_offers.csv"],
        6_000,
    );
    fuzz(
        "catalog_offers",
        Kind::CatalogFile("commitment_offers.csv"),
        s,
    );
}

#[test]
fn plan_json() {
    let s = seeds(
        &[
            "tests/fixtures/golden_inputs/tiny_plan.json",
            "tests/golden/plan_tiny.json",
        ],
        &[".json"],
        40_000,
    );
    fuzz("plan_json", Kind::PlanJson, s);
}

#[test]
fn focus_csv() {
    let s = seeds(&["tests/fixtures/focus"], &[".csv"], 12_000);
    fuzz("focus_csv", Kind::Focus { gzip: false }, s);
}

#[test]
fn focus_gzip() {
    let s = seeds(&["tests/fixtures/focus"], &[".csv"], 12_000);
    fuzz("focus_gzip", Kind::Focus { gzip: true }, s);
}

/// The mutation operators change inputs and stay deterministic for a seed.
#[test]
fn mutations_are_deterministic_and_change_the_input() {
    let seeds = vec![b"timestamp,workload,gpus\n2026-01-01T00:00:00Z,a,1\n".to_vec()];
    let run = |seed| {
        let mut rng = SplitMix64::new(seed);
        (0..200)
            .map(|_| mutant(&mut rng, &seeds))
            .collect::<Vec<_>>()
    };
    let a = run(7);
    assert_eq!(a, run(7), "same seed, same mutants");
    assert_ne!(a, run(8), "another seed, other mutants");
    let changed = a.iter().filter(|m| **m != seeds[0]).count();
    assert!(
        changed > 150,
        "only {changed} of 200 mutants differ from the seed"
    );
    // Number replacement reaches magnitudes (where the plausibility bounds are).
    let mut rng = SplitMix64::new(7);
    let many: Vec<Vec<u8>> = (0..5000).map(|_| mutant(&mut rng, &seeds)).collect();
    assert!(
        many.iter().any(|m| m
            .windows(4)
            .any(|w| w == b"1e30" || w == b"e-32" || w == b"1e16")),
        "no magnitude token in 5000 mutants"
    );
}
