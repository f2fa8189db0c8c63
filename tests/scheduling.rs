//! Scheduling co-optimised with commitments, by known answers. The test catalog: one AWS
//! instance `tst1.xlarge` (1 GPU `G16`, $10/h on demand) with a unit commitment at 40% off
//! ($6/h); one instance of it already owned for the whole window. One training workload on
//! `G16`, demand 2 GPUs in hours 0–1 and 0 in hours 2–3: without moving, hours 0–1 use the
//! owned instance and 1 instance on demand each, hours 2–3 leave it idle.
//!
//! - H = 2: the demand can run 1 GPU in each of hours 0–3, all on the owned instance, no
//!   on-demand: cost = 4 h × $6 = 24.
//! - H = 1: hour 0's demand may wait until hour 1, hour 1's until hour 2; 4 GPU-hours in 3
//!   hours with 1 owned instance leave 1 GPU-hour on demand: 24 + 10 = 34. The cheapest
//!   schedule that moves least runs [2, 1, 1, 0]: 1 GPU-hour moved, half of H = 2's 2.
//! - H = 0: 24 + 2 × 10 = 44 (a new commitment would cost 24 for 20 of on-demand), and the
//!   plan is the one made without the setting, byte for byte (apart from the input hash).

mod common;
use common::*;
use gpuplan::engine::{plan_decomposed, plan_scenario, PlanRun};
use gpuplan::ingest::inputs::Inputs;
use gpuplan::ingest::scenario::Resolution;
use gpuplan::output::json::{plan_doc, to_json, DocOptions};
use gpuplan::solve::SolveStatus;

const GPUS: &[Gpu] = &[Gpu("G16", 16.0, 1.0, 1.0)];
const DEMAND: [f64; 4] = [2.0, 2.0, 0.0, 0.0];
const OWNED: &str = "ri,1,2026-01-01,2027-01-01\n";

fn case(workload: &'static str, demand: &[f64]) -> Case<'static> {
    case_owning(workload, demand, OWNED)
}

fn case_owning(workload: &'static str, demand: &[f64], owned: &'static str) -> Case<'static> {
    Case {
        gpus: GPUS,
        offerings: &[Off("tst1.xlarge", "G16", 1, 10.0, None, 0.0)],
        offers: &[Offer("ri", "unit", "instance_type", "tst1.xlarge", 40.0)],
        workloads: Box::leak(Box::new([("w", workload)])),
        demand: Box::leak(Box::new([("w", demand.to_vec())])),
        owned: Some(owned),
        extra: "",
    }
}

fn workload(settings: &str) -> &'static str {
    Box::leak(format!("class = \"training\"\ncurrent_gpu = \"G16\"\n{settings}").into_boxed_str())
}

/// The schedule of workload `w` in a run (`None` when it has none).
fn schedule(run: &PlanRun) -> Option<Vec<f64>> {
    let plan = run.plan.as_ref().expect("plan");
    plan.scheduling
        .shifts
        .iter()
        .find(|s| s.workload == "w")
        .map(|s| s.gpus.clone())
}

fn on_demand(run: &PlanRun) -> f64 {
    run.evaluation.as_ref().expect("evaluation").on_demand_cost
}

fn assert_profile(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-6, "schedule {got:?}, expected {want:?}");
    }
}

fn moved(demand: &[f64], profile: &[f64]) -> f64 {
    gpuplan::domain::schedule::gpu_hours_moved(demand, profile)
}

#[test]
fn two_hours_of_delay_run_everything_on_the_owned_commitment() {
    let (_, run) = plan(&case(workload("shiftable_hours = 2"), &DEMAND));
    assert_eq!(run.outcome.status, SolveStatus::Optimal);
    let s = schedule(&run).expect("a schedule");
    assert_profile(&s, &[1.0, 1.0, 1.0, 1.0]);
    assert!(close(s.iter().sum(), 4.0), "GPU-hours conserved: {s:?}");
    assert!(close(moved(&DEMAND, &s), 2.0));
    assert_eq!(on_demand(&run), 0.0, "no on-demand");
    assert!(run.plan.as_ref().expect("plan").purchases.is_empty());
    assert!(close(evaluated(&run), 24.0), "{}", evaluated(&run));
    let obj = run.outcome.objective.expect("objective");
    assert!(
        close(obj, 24.0),
        "the model prices it as the evaluator: {obj}"
    );
}

#[test]
fn one_hour_of_delay_moves_half_as_much() {
    let (_, run) = plan(&case(workload("shiftable_hours = 1"), &DEMAND));
    let s = schedule(&run).expect("a schedule");
    assert_profile(&s, &[2.0, 1.0, 1.0, 0.0]);
    assert!(close(s.iter().sum(), 4.0), "GPU-hours conserved: {s:?}");
    assert!(close(moved(&DEMAND, &s), 1.0));
    assert!(close(on_demand(&run), 10.0), "{}", on_demand(&run));
    assert!(close(evaluated(&run), 34.0), "{}", evaluated(&run));
    // Three hours of delay cannot do better than two: the owned instance is full.
    let (_, run3) = plan(&case(workload("shiftable_hours = 3"), &DEMAND));
    assert!(close(evaluated(&run3), 24.0), "{}", evaluated(&run3));
}

#[test]
fn a_workload_that_cannot_move_is_planned_as_before_byte_for_byte() {
    let doc = |settings: &str| {
        let dir = tempfile::tempdir().expect("tempdir");
        let inp = load(dir.path(), &case(workload(settings), &DEMAND));
        let run = gpuplan::engine::plan_full_resolution(&inp, &exact());
        assert!(close(evaluated(&run), 44.0), "{}", evaluated(&run));
        assert!(close(on_demand(&run), 20.0));
        assert!(schedule(&run).is_none());
        let mut d = plan_doc(
            &inp,
            &run,
            DocOptions {
                reproducible: true,
                epoch: None,
            },
        );
        d.scenario.input_hash.clear();
        d.scenario.file.clear();
        to_json(&d)
    };
    let without = doc("");
    assert_eq!(doc("shiftable_hours = 0"), without);
    // A cap on a workload that cannot move changes nothing either.
    assert_eq!(doc("shiftable_hours = 0\nmax_gpus = 2"), without);
}

#[test]
fn gpu_hours_are_conserved_and_never_run_early_in_every_case() {
    // Several curves and delays, with the owned instance: whatever the plan runs adds up to
    // the demand, never ahead of it (cumulatively), never more than H hours behind it.
    let curves: [&[f64]; 4] = [
        &[3.0, 0.0, 0.0, 1.0, 0.0, 0.0],
        &[0.0, 2.0, 2.0, 2.0, 0.0, 0.0],
        &[1.0, 0.5, 2.5, 0.0, 0.0, 1.5],
        &[0.0, 0.0, 0.0, 0.0, 3.0, 3.0],
    ];
    for d in curves {
        for h in 1..=3u32 {
            let (_, run) = plan(&case(workload(&format!("shiftable_hours = {h}")), d));
            let s = schedule(&run).expect("a schedule");
            let total: f64 = d.iter().sum();
            assert!(close(s.iter().sum(), total), "{d:?} H {h}: {s:?}");
            let (mut ran, mut recorded) = (0.0, 0.0);
            for t in 0..d.len() {
                ran += s[t];
                recorded += d[t];
                let due: f64 = d[..(t + 1).saturating_sub(h as usize)].iter().sum();
                assert!(ran <= recorded + 1e-6, "{d:?} H {h}: early at {t}: {s:?}");
                assert!(ran >= due - 1e-6, "{d:?} H {h}: late at {t}: {s:?}");
            }
            // Never worse than not moving; the evaluator and the model agree.
            let obj = run.outcome.objective.expect("objective");
            assert!(close(evaluated(&run), obj), "{d:?} H {h}");
        }
    }
}

#[test]
fn max_gpus_caps_what_runs_at_once() {
    // 4 GPUs recorded in hour 0, H = 3; 4 owned instances, but only from hour 3. Uncapped,
    // all 4 wait for hour 3 and run on them: 4 × 6 = 24 (the owned instances' one hour),
    // nothing on demand. At most 2 at once: 2 run in hour 3, the other 2 on demand before
    // it: 24 + 2 × 10 = 44.
    let d = [4.0, 0.0, 0.0, 0.0];
    let late = "ri,4,2026-01-05T03:00:00Z,2027-01-01\n";
    let (_, free) = plan(&case_owning(workload("shiftable_hours = 3"), &d, late));
    assert_profile(&schedule(&free).expect("a schedule"), &[0.0, 0.0, 0.0, 4.0]);
    assert!(close(evaluated(&free), 24.0), "{}", evaluated(&free));
    let capped = workload("shiftable_hours = 3\nmax_gpus = 2");
    let (_, capped) = plan(&case_owning(capped, &d, late));
    let s = schedule(&capped).expect("a schedule");
    assert!(s.iter().all(|&g| g <= 2.0 + 1e-9), "{s:?}");
    assert!((s[3] - 2.0).abs() < 1e-6, "{s:?}");
    assert!(close(evaluated(&capped), 44.0), "{}", evaluated(&capped));
}

#[test]
fn a_cap_too_low_to_run_the_demand_is_an_input_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = case(
        workload("shiftable_hours = 1\nmax_gpus = 2"),
        &[3.0, 3.0, 3.0, 0.0],
    );
    let err = std::panic::catch_unwind(|| load(dir.path(), &c));
    assert!(err.is_err(), "9 GPU-hours cannot run 2 at a time by hour 3");
    // Through the loader directly: the message names the field.
    let e = Inputs::load(&dir.path().join("scenario.toml"), None).expect_err("too low");
    let msg = e.to_string();
    assert!(msg.contains("max_gpus") && msg.contains("too few"), "{msg}");
}

#[test]
fn every_planning_mode_schedules() {
    let c = case(workload("shiftable_hours = 2"), &DEMAND);
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = load(dir.path(), &c);
    let st = exact();
    for run in [
        gpuplan::engine::plan(&inp, &st, Resolution::Auto),
        gpuplan::engine::plan(&inp, &st, Resolution::Buckets(2)),
        plan_decomposed(&inp, &st, Resolution::Auto),
        plan_decomposed(&inp, &st, Resolution::Full),
    ] {
        let s = schedule(&run).expect("a schedule");
        assert_profile(&s, &[1.0, 1.0, 1.0, 1.0]);
        assert!(close(evaluated(&run), 24.0), "{}", evaluated(&run));
    }
    // `--no-scheduling`: as recorded.
    let run = plan_scenario(&inp.without_scheduling(), &st, Resolution::Full);
    assert!(schedule(&run).is_none());
    assert!(close(evaluated(&run), 44.0), "{}", evaluated(&run));
}

#[test]
fn scale_to_zero_drops_the_window_and_reports_it() {
    // Hours 0–3 are 00:00–03:00 on a Monday: "01:00-03:00" drops hours 1 and 2.
    let d = [1.0, 1.0, 1.0, 1.0];
    let c = case(workload("scale_to_zero = [\"01:00-03:00\"]"), &d);
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = load(dir.path(), &c);
    assert_eq!(inp.window_demand().gpus[0], vec![1.0, 0.0, 0.0, 1.0]);
    assert_eq!(inp.recorded_history().gpus[0], d.to_vec());
    assert_eq!(inp.gpu_hours_dropped(), vec![(0, 2.0)]);
    let run = gpuplan::engine::plan_full_resolution(&inp, &exact());
    // The owned instance covers the two hours left: 4 × 6 = 24, nothing on demand; without
    // the window it would cover all four (same cost: the saving is what the window drops
    // from on-demand, here nothing, since the instance is paid for anyway).
    assert!(close(evaluated(&run), 24.0), "{}", evaluated(&run));
    let plan = run.plan.as_ref().expect("plan");
    assert_eq!(plan.scheduling.scale_to_zero.len(), 1);
    // A weekday window: 2026-01-05 is a Monday, so "mon" drops the whole demand, and
    // "tue" nothing.
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = load(dir.path(), &case(workload("scale_to_zero = [\"tue\"]"), &d));
    assert_eq!(inp.gpu_hours_dropped(), vec![(0, 0.0)]);
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = load(dir.path(), &case(workload("scale_to_zero = [\"mon\"]"), &d));
    assert_eq!(inp.gpu_hours_dropped(), vec![(0, 4.0)]);
}

/// Runs the binary on `args`; its stdout (the test fails on a non-zero exit).
fn gpuplan_stdout(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gpuplan"))
        .arg("--quiet")
        .args(args)
        .output()
        .expect("run gpuplan");
    assert!(
        out.status.success(),
        "gpuplan {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn compare_shows_the_scenario_with_and_without_scheduling() {
    // H = 2: 24 with scheduling, 44 without (the known answers above); the scheduled plan's
    // saving splits into purchasing (baseline 4 GPU-hours × $10 = 40 against 44 re-priced on
    // the demand as recorded: −4, the owned instance) and deferred load (44 − 24 = 20).
    let dir = tempfile::tempdir().expect("tempdir");
    load(dir.path(), &case(workload("shiftable_hours = 2"), &DEMAND));
    let scenario = dir.path().join("scenario.toml");
    let scenario = scenario.to_str().expect("path");
    let solver = ["--resolution", "full", "--gap", "0", "--term", "window"];
    let json = gpuplan_stdout(&[&["compare", scenario, "--format", "json"][..], &solver].concat());
    let docs: serde_json::Value = serde_json::from_str(&json).expect("json");
    let docs = docs.as_array().expect("array");
    assert_eq!(
        docs.len(),
        2,
        "the scenario and its twin without scheduling"
    );
    let expected = |d: &serde_json::Value| d["costs"]["expected"].as_f64().expect("expected");
    let name = |d: &serde_json::Value| d["scenario"]["name"].as_str().expect("name").to_string();
    assert!(close(expected(&docs[0]), 24.0), "{}", expected(&docs[0]));
    assert!(close(expected(&docs[1]), 44.0), "{}", expected(&docs[1]));
    assert_eq!(
        name(&docs[1]),
        format!("{} (no scheduling)", name(&docs[0]))
    );
    let s = &docs[0]["scheduling"];
    assert!(
        close(s["saving_shifting"].as_f64().expect("number"), 20.0),
        "{s}"
    );
    assert!(
        close(s["saving_scale_to_zero"].as_f64().expect("number"), 0.0),
        "{s}"
    );
    assert!(
        close(s["saving_purchasing"].as_f64().expect("number"), -4.0),
        "{s}"
    );
    assert!(
        docs[1].get("scheduling").is_none(),
        "the twin schedules nothing"
    );
    // The table has the split as rows, `-` for the twin.
    let table = gpuplan_stdout(&[&["compare", scenario][..], &solver].concat());
    let row = table
        .lines()
        .find(|l| l.starts_with("saving from deferred load"))
        .unwrap_or_else(|| panic!("no deferred-load row:\n{table}"));
    assert!(
        row.contains("USD 20.00") && row.trim_end().ends_with('-'),
        "{row}"
    );
    // `--no-scheduling`: one column, planned as recorded.
    let json = gpuplan_stdout(
        &[
            &["compare", scenario, "--format", "json", "--no-scheduling"][..],
            &solver,
        ]
        .concat(),
    );
    let docs: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(docs.as_array().map(Vec::len), Some(1));
    assert!(close(expected(&docs[0]), 44.0));
}

/// A small synthetic fleet (6 workloads, 4 offerings, 96 hours) with its first training
/// workload deferrable by `hours` and its first experimentation workload scaled to zero at
/// night and at weekends.
fn scheduled_fleet(dir: &std::path::Path, hours: u32) -> Inputs {
    let spec = gpuplan::synth::fleet::SynthSpec::new(6, 4, 96, 3);
    let path = gpuplan::synth::fleet::write(&spec, dir).expect("synth");
    let wl = dir.join("workloads.toml");
    let text = std::fs::read_to_string(&wl).expect("read");
    let (mut train, mut exp) = (false, false);
    let mut out = String::new();
    for line in text.lines() {
        out.push_str(line);
        out.push('\n');
        if line.starts_with("[workloads.train-") && !train {
            train = true;
            out.push_str(&format!("shiftable_hours = {hours}\n"));
        } else if line.starts_with("[workloads.exp-") && !exp {
            exp = true;
            out.push_str("scale_to_zero = [\"20:00-08:00\", \"sat-sun\"]\n");
        }
    }
    assert!(
        train && exp,
        "the fleet has a training and an experimentation workload"
    );
    std::fs::write(&wl, out).expect("write");
    Inputs::load(&path, None).unwrap_or_else(|e| panic!("load: {e}"))
}

#[test]
fn the_evaluator_reprices_a_scheduled_fleet_as_the_model_at_full_resolution() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = scheduled_fleet(dir.path(), 8);
    let run = gpuplan::engine::plan_full_resolution(&inp, &exact());
    assert_eq!(run.outcome.status, SolveStatus::Optimal);
    let obj = run.outcome.objective.expect("objective");
    let total = evaluated(&run);
    assert!(
        (obj - total).abs() <= 1e-6 * total.max(1.0),
        "model {obj} against the evaluator's hourly re-pricing {total}"
    );
    // The plan schedules the deferrable workload and drops the windows; its GPU-hours are
    // conserved and the saving split adds up to the baseline minus the cost.
    let plan = run.plan.as_ref().expect("plan");
    assert_eq!(plan.scheduling.shifts.len(), 1);
    assert_eq!(plan.scheduling.scale_to_zero.len(), 1);
    let shift = &plan.scheduling.shifts[0];
    let wi = inp.workloads.iter().position(|w| w.name == shift.workload);
    let recorded = &inp.window_demand().gpus[wi.expect("the shifted workload")];
    assert!(close(shift.gpus.iter().sum(), recorded.iter().sum()));
    let v = run.scheduling.as_ref().expect("scheduling value");
    let split = v.saving_purchasing() + v.saving_scale_to_zero() + v.saving_shifting();
    assert!(
        close(split, v.recorded_baseline - total),
        "{split} vs {}",
        v.recorded_baseline - total
    );
    assert!(
        v.saving_scale_to_zero() >= -1e-6 && v.saving_shifting() >= -1e-6,
        "{v:?}"
    );
    // Without the settings the same fleet costs at least as much (the model may leave the
    // load where it was recorded).
    let without = gpuplan::engine::plan_full_resolution(&inp.without_scheduling(), &exact());
    assert!(
        evaluated(&without) >= total - 1e-6,
        "{} < {total}",
        evaluated(&without)
    );
}

#[test]
fn the_decomposition_planner_schedules_a_fleet_validly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = scheduled_fleet(dir.path(), 8);
    let run = plan_decomposed(&inp, &exact(), Resolution::Auto);
    let plan = run.plan.as_ref().expect("plan");
    assert_eq!(plan.scheduling.shifts.len(), 1);
    let shift = &plan.scheduling.shifts[0];
    let wi = inp.workloads.iter().position(|w| w.name == shift.workload);
    let recorded = &inp.window_demand().gpus[wi.expect("the shifted workload")];
    assert!(
        gpuplan::domain::schedule::check_shift(recorded, Some(&inp.keep), shift).is_ok(),
        "{shift:?}"
    );
    // Its re-priced cost is what the evaluator gives for the plan as written.
    let again = gpuplan::plan::evaluate(plan, &inp.catalog, &inp.window_demand(), Some(&inp.keep))
        .expect("evaluate");
    assert!(close(again.total, evaluated(&run)));
}

#[test]
fn the_term_planner_plans_as_recorded_and_says_so() {
    // Term mode (the default) does not schedule: the settings are ignored, explicitly.
    let dir = tempfile::tempdir().expect("tempdir");
    let inp = load(dir.path(), &case(workload("shiftable_hours = 2"), &DEMAND));
    assert_eq!(
        inp.scenario.term.mode,
        gpuplan::ingest::term_config::TermMode::Term
    );
    let run = gpuplan::engine::plan_configured(&inp, &exact(), Resolution::Full);
    assert!(schedule(&run).is_none(), "no schedule in a term plan");
    assert!(run.scheduling.is_none());
    let term = run.term.as_ref().expect("a term report");
    assert!(
        term.warnings
            .iter()
            .any(|w| w == gpuplan::engine::TERM_IGNORES_SCHEDULING),
        "{:?}",
        term.warnings
    );
    // The same scenario without the setting gives the same term plan.
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = load(dir.path(), &case(workload(""), &DEMAND));
    let plain_run = gpuplan::engine::plan_configured(&plain, &exact(), Resolution::Full);
    assert!(close(evaluated(&run), evaluated(&plain_run)));
    assert!(!plain_run
        .term
        .as_ref()
        .expect("a term report")
        .warnings
        .iter()
        .any(|w| w == gpuplan::engine::TERM_IGNORES_SCHEDULING));
}
