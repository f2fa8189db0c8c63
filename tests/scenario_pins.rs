//! Every bundled scenario (`scenarios/*.toml`): `gpuplan validate` must succeed, and the plan
//! JSON of `gpuplan plan SCENARIO --reproducible --format json [FLAGS]` is pinned byte for
//! byte in `tests/golden/pins/<scenario>.json` (binary only; `UPDATE_GOLDEN=1` rewrites the
//! pins, see `tests/golden_support`).
//!
//! A pinned plan must not depend on the machine's speed: it has to end at optimality or at
//! the MIP gap, never at the time limit (HiGHS runs single-threaded with a fixed seed here, so
//! the same model gives the same plan). Each test checks that `solve.status` is not
//! `time_limit` before comparing, so a slow machine fails with that message, not a diff.
//!
//! Measured first: `plan scenarios/X.toml --reproducible --format json` as shipped, on the
//! shared 2-core development machine (wall seconds, final status, the scenario's own time
//! limit); then the pinned command (CPU seconds, which vary less with the machine's load than
//! wall time) and this file's test (wall seconds, one test at a time, while other jobs' builds
//! and benchmarks kept the load average at ≈ 10 on the 2 cores):
//!
//! | scenario                    | as shipped                 | pinned with     | CPU   | test   |
//! |-----------------------------|----------------------------|-----------------|-------|--------|
//! | synthetic                   |   3.1 s optimal   (300 s)  | as shipped      | 2.8 s |  7.7 s |
//! | servegen                    |   4.1 s gap_limit (120 s)  | as shipped      | 2.8 s |  8.9 s |
//! | synthetic-no-spot           |  10.6 s optimal   (300 s)  | --resolution 48 | 0.6 s |  2.3 s |
//! | synthetic-1y-only           |  19.5 s optimal   (300 s)  | --resolution 48 | 2.7 s |  7.0 s |
//! | helios                      |  21.6 s optimal   (300 s)  | --resolution 12 | 3.8 s | 11.3 s |
//! | synthetic-forecast          |  23.9 s gap_limit (120 s)  | --resolution 6  | 2.2 s |  5.4 s |
//! | synthetic-forecast-growth50 |  18.2 s gap_limit (120 s)  | --resolution 6  | 1.7 s |  5.2 s |
//! | synthetic-forecast-averse   |  44.9 s gap_limit (120 s)  | --resolution 6  | 2.3 s |  6.9 s |
//! | helios-forecast             | 113.4 s gap_limit (120 s)! | --resolution 6  | 3.5 s |  9.9 s |
//!
//! As shipped they take about 260 s together, far over this file's budget (about 60 s on 2
//! cores), so the slow ones are pinned with a coarser, fixed `--resolution` (which also skips
//! the adaptive bucket doubling): a CLI flag, and the plan stays deterministic (each pin was
//! byte-identical across runs under different loads). `--gap` does not help: the time goes
//! into the LPs, not the branching.
//!
//! (!) helios-forecast as shipped ended 7 s before its 120 s time limit; a run of it with
//! `--gap 0.01` under load stopped at the limit (status `time_limit`, gap 15%). Its shipped
//! plan therefore depends on the machine's speed and is not pinned; the `--resolution 6` pin
//! stops at the gap in 3.5 s of CPU. Every pin with flags also gets `--time-limit 600`, so
//! that its stop is the gap or optimality, never the clock, even on a slow or busy machine (the
//! time limit only caps HiGHS; nothing else in the plan depends on it).
//!
//! Since the term model (issue 11, `docs/term.md`) `plan` makes a term plan by default, so
//! every pin is a term plan: tiers from the window planner above on the lookback, then the
//! term MIP over 36 months (the times above are the window plans'). `synthetic-long` (term
//! plan on its last 90 days) took 0.7 s of CPU. Each pin also checks that no purchase and no
//! ladder step starts before the plan's as-of date.
//!
//! Validation takes 0.02–0.05 s per scenario. The whole file: 23 s of CPU (user, children
//! included), so about 12–15 s of wall time on 2 idle cores with the default 2 test threads;
//! on the loaded development machine (load average 7–11) it took 41–92 s.

mod golden_support;

use golden_support::{assert_golden, root, run_ok, shown};

/// How each scenario is pinned.
struct Pin {
    /// File stem in `scenarios/`.
    stem: &'static str,
    /// Flags after `plan scenarios/STEM.toml --reproducible --format json`.
    flags: &'static [&'static str],
}

const PINS: &[Pin] = &[
    Pin {
        stem: "synthetic",
        flags: &[],
    },
    Pin {
        stem: "servegen",
        flags: &[],
    },
    Pin {
        stem: "synthetic-no-spot",
        flags: &["--resolution", "48", "--time-limit", "600"],
    },
    Pin {
        stem: "synthetic-1y-only",
        flags: &["--resolution", "48", "--time-limit", "600"],
    },
    Pin {
        stem: "helios",
        flags: &["--resolution", "12", "--time-limit", "600"],
    },
    Pin {
        stem: "synthetic-forecast",
        flags: &["--resolution", "6", "--time-limit", "600"],
    },
    Pin {
        stem: "synthetic-forecast-growth50",
        flags: &["--resolution", "6", "--time-limit", "600"],
    },
    Pin {
        stem: "synthetic-forecast-averse",
        flags: &["--resolution", "6", "--time-limit", "600"],
    },
    Pin {
        stem: "helios-forecast",
        flags: &["--resolution", "6", "--time-limit", "600"],
    },
    Pin {
        stem: "synthetic-long",
        flags: &[],
    },
];

fn pin(stem: &str) {
    let p = PINS
        .iter()
        .find(|p| p.stem == stem)
        .unwrap_or_else(|| panic!("{stem} is not in PINS"));
    let scenario = format!("scenarios/{stem}.toml");

    let summary = run_ok(&["validate", scenario.as_str()]);
    assert!(
        summary.ends_with("ok: every input read and cross-checked\n"),
        "validate {scenario}:\n{summary}"
    );

    let mut args = vec![
        "plan",
        scenario.as_str(),
        "--reproducible",
        "--format",
        "json",
    ];
    args.extend_from_slice(p.flags);
    let json = run_ok(&args);
    let doc: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("`{}`: not JSON: {e}", shown(&args)));
    let status = doc["solve"]["status"]
        .as_str()
        .unwrap_or_else(|| panic!("`{}`: no solve.status", shown(&args)));
    assert!(
        status == "optimal" || status == "gap_limit",
        "`{}` ended with status {status:?} (gap {}): a plan that stops at the time limit \
         depends on the machine's speed and cannot be pinned",
        shown(&args),
        doc["solve"]["gap"]
    );
    assert_eq!(doc["scenario"]["file"], scenario.as_str());
    assert_nothing_starts_before_as_of(&doc, &scenario);
    assert_golden(&format!("pins/{stem}.json"), &json);
}

/// Issue 11: a plan is made as of a date and buys nothing in the past. Every purchase (and,
/// in a term plan, every ladder step) starts at `horizon.as_of` or later; the timestamps are
/// all `YYYY-MM-DDTHH:MM:SSZ`, so they compare as strings.
fn assert_nothing_starts_before_as_of(doc: &serde_json::Value, scenario: &str) {
    let as_of = doc["horizon"]["as_of"]
        .as_str()
        .unwrap_or_else(|| panic!("{scenario}: no horizon.as_of"));
    assert_eq!(
        as_of.len(),
        "2026-01-01T00:00:00Z".len(),
        "{scenario}: {as_of}"
    );
    let purchases = doc["purchases"].as_array().expect("purchases[]");
    for p in purchases {
        let start = p["start"].as_str().expect("purchase start");
        assert!(
            start >= as_of,
            "{scenario}: purchase {} starts {start}, before the as-of date {as_of}",
            p["offer_id"]
        );
    }
    for step in doc["term"]["ladder"].as_array().into_iter().flatten() {
        let start = step["start"].as_str().expect("ladder start");
        assert!(
            start >= as_of,
            "{scenario}: ladder step at {start} < {as_of}"
        );
    }
}

/// No scenario escapes: every `scenarios/*.toml` has an entry in `PINS` (and a test below).
#[test]
fn every_scenario_is_pinned() {
    let dir = root().join("scenarios");
    let mut stems: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            p.file_stem()
                .expect("file stem")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    stems.sort();
    let mut pinned: Vec<String> = PINS.iter().map(|p| p.stem.to_string()).collect();
    pinned.sort();
    assert_eq!(
        stems, pinned,
        "scenarios/*.toml and PINS differ: add a Pin and a #[test] for each new scenario"
    );
}

#[test]
fn synthetic() {
    pin("synthetic");
}

#[test]
fn servegen() {
    pin("servegen");
}

#[test]
fn synthetic_no_spot() {
    pin("synthetic-no-spot");
}

#[test]
fn synthetic_1y_only() {
    pin("synthetic-1y-only");
}

#[test]
fn helios() {
    pin("helios");
}

#[test]
fn synthetic_forecast() {
    pin("synthetic-forecast");
}

#[test]
fn synthetic_forecast_growth50() {
    pin("synthetic-forecast-growth50");
}

#[test]
fn synthetic_forecast_averse() {
    pin("synthetic-forecast-averse");
}

#[test]
fn helios_forecast() {
    pin("helios-forecast");
}

#[test]
fn synthetic_long() {
    pin("synthetic-long");
}
